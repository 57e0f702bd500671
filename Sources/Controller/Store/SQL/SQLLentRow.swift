/// One row of a query while it is being read: its values are lent for the call that receives
/// the row, not copied, so a scan of many rows whose text is compared rather than kept (a
/// desired state checked against the one built before) makes no string per row.
protocol SQLLentRow {
    /// The integer in `column`, or nil when it holds something else.
    func integer(_ column: Int) -> Int64?

    /// Calls `body` with the bytes of the text or blob in `column` (empty for NULL); they are
    /// valid only during the call.
    func withBytes<T>(_ column: Int, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T

    /// The value in `column`, copied.
    func value(_ column: Int) -> SQLValue
}
