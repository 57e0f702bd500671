import Foundation
import JSONCore
import Testing

@Suite struct JSONCodableTests {
    struct Target: Codable, Equatable {
        struct Location: Codable, Equatable {
            var path: String
            var weight: Int?
        }

        var name: String
        var port: Int
        var ratio: Double?
        var locations: [Location]
        var labels: [String: Int]?
        var raw: JSON?
    }

    private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONValueDecoder().decode(type, from: try JSONParser.parse(Array(text.utf8)))
    }

    /// The dotted path of a decoding error, the way the API names a field.
    private func path(of error: any Error) -> String? {
        guard let error = error as? DecodingError else { return nil }
        let path: [any CodingKey]
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): path = context.codingPath
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        @unknown default: return nil
        }
        return path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    private func failure(_ text: String) -> String? {
        do {
            _ = try decode(Target.self, text)
            return nil
        } catch {
            return path(of: error)
        }
    }

    @Test func decodesNestedValuesAndKeepsFreeFormJSONAsSent() throws {
        let target = try decode(
            Target.self,
            #"{"name":"a","port":80,"ratio":1,"locations":[{"path":"/x","weight":2}],"labels":{"b":1,"c":2},"raw":{"z":0.5,"a":[null,true]}}"#)
        #expect(target.name == "a" && target.port == 80 && target.ratio == 1)
        #expect(target.locations == [.init(path: "/x", weight: 2)])
        #expect(target.labels == ["b": 1, "c": 2])
        #expect(target.raw == ["z": .double(0.5), "a": [.null, true]])
    }

    @Test func refusesMembersNoTypeReadsWithTheirPath() {
        #expect(failure(#"{"name":"a","port":80,"locations":[],"nmae":"b"}"#) == ".nmae")
        #expect(failure(#"{"name":"a","port":80,"locations":[{"path":"/"},{"path":"/","wieght":1}]}"#) == ".locations[1].wieght")
        // Inside free-form JSON, every member is the user's.
        #expect(failure(#"{"name":"a","port":80,"locations":[],"raw":{"anything":{"goes":1}}}"#) == nil)
        // A null member counts as not sent.
        #expect(failure(#"{"name":"a","port":80,"locations":[],"extra":null}"#) == nil)
    }

    @Test func namesTheMemberOfAWrongType() {
        #expect(failure(#"{"name":"a","port":80.5,"locations":[]}"#) == ".port")
        #expect(failure(#"{"name":"a","port":"80","locations":[]}"#) == ".port")
        #expect(failure(#"{"name":"a","port":80,"locations":[{"path":"/","weight":1e40}]}"#) == ".locations[0].weight")
        #expect(failure(#"{"name":null,"port":80,"locations":[]}"#) == ".name")
        #expect(failure(#"{"port":80,"locations":[]}"#) == ".name")
        #expect(failure(#"{"name":"a","port":80,"locations":{}}"#) == ".locations")
    }

    @Test func ignoringUnknownMembersIsAChoice() throws {
        let value = try JSONParser.parse(Array(#"{"name":"a","port":80,"locations":[],"later":1}"#.utf8))
        #expect(try JSONValueDecoder(unknownMembers: .ignore).decode(Target.self, from: value).name == "a")
    }

    @Test func encodesInDeclarationOrderLeavingOutNil() throws {
        let target = Target(
            name: "a", port: 80, ratio: 0.25, locations: [.init(path: "/", weight: nil)], labels: nil, raw: ["k": [1, "two"]])
        let json = try JSONValueEncoder().encode(target)
        #expect(
            String(decoding: json.serialized(), as: UTF8.self)
                == #"{"name":"a","port":80,"ratio":0.25,"locations":[{"path":"/"}],"raw":{"k":[1,"two"]}}"#)
        #expect(try JSONValueDecoder().decode(Target.self, from: json) == target)
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(["x": Double.nan]) }
    }

    @Test func worksWithFoundationCoders() throws {
        let value: JSON = ["a": [1, .double(0.5), "s", .null, false], "b": [:]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSON.self, from: data).canonical() == value.canonical())
    }
}

extension JSONCodableTests {
    /// A type that reads one object through two containers (stored names and input names).
    struct TwoNames: Decodable {
        var stored: String?
        var input: String?

        enum StoredKeys: String, CodingKey { case stored }
        enum InputKeys: String, CodingKey { case input }

        init(from decoder: any Decoder) throws {
            stored = try decoder.container(keyedBy: StoredKeys.self).decodeIfPresent(String.self, forKey: .stored)
            input = try decoder.container(keyedBy: InputKeys.self).decodeIfPresent(String.self, forKey: .input)
        }
    }

    @Test func membersReadThroughAnyContainerOfTheirObjectAreKnown() throws {
        let both = try decode(TwoNames.self, #"{"stored": "a", "input": "b"}"#)
        #expect(both.stored == "a" && both.input == "b")
        #expect(throws: DecodingError.self) { try decode(TwoNames.self, #"{"stored": "a", "other": "b"}"#) }
    }
}
