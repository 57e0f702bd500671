extension DesiredStateParts {
    /// The served parts of one kind, in id order (the order a desired state lists them in).
    struct ServedList: Sendable {
        private var ids: [Int64] = []
        private(set) var parts: [Part] = []

        var count: Int { ids.count }

        /// Adds a part after every other: `id` is greater than any listed.
        mutating func append(_ part: Part, id: Int64) {
            precondition(ids.last.map { $0 < id } ?? true, "served parts are appended in id order")
            ids.append(id)
            parts.append(part)
        }

        /// Puts `part` in as resource `id`'s, in place of any it had.
        mutating func put(_ part: Part, id: Int64) {
            let index = position(of: id)
            if index < ids.count && ids[index] == id {
                parts[index] = part
            } else {
                ids.insert(id, at: index)
                parts.insert(part, at: index)
            }
        }

        /// Resource `id`'s part, if listed.
        func part(id: Int64) -> Part? {
            let index = position(of: id)
            return index < ids.count && ids[index] == id ? parts[index] : nil
        }

        /// Takes resource `id`'s part out, if listed.
        mutating func remove(id: Int64) {
            let index = position(of: id)
            guard index < ids.count && ids[index] == id else { return }
            ids.remove(at: index)
            parts.remove(at: index)
        }

        /// The ids listed, in order.
        var listedIDs: [Int64] { ids }

        /// The index of the first id not less than `id`.
        private func position(of id: Int64) -> Int {
            var low = 0
            var high = ids.count
            while low < high {
                let middle = (low + high) / 2
                if ids[middle] < id { low = middle + 1 } else { high = middle }
            }
            return low
        }
    }
}
