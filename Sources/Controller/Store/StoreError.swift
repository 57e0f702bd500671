/// What the store reports beyond a SQL engine's own errors.
enum StoreError: Error, CustomStringConvertible {
    /// The database is not what the controller's migrations made: a row the schema promises is
    /// missing. Reported as an internal error; a restore from a backup repairs it.
    case damaged(String)
    /// A write broke a rule of the schema (a unique column, a foreign key, NOT NULL); nothing of
    /// the statement was written. Services check their rules first, so this is an internal error.
    case constraintViolated(String)

    var description: String {
        switch self {
        case .damaged(let what): "the database is damaged: \(what)"
        case .constraintViolated(let message): "a write broke a rule of the database: \(message)"
        }
    }
}
