import JSONCore

/// A PosternProxy user as NPM shows one: an admin has NPM's `admin` role and manages everything;
/// a viewer has no role and sees everything. No avatar is given (NPM's points at Gravatar, which
/// would tell it the user's email hash).
enum NPMUser {
    static func shown(_ user: UserRecord, permissions: Bool = false) -> JSON {
        var shown = JSON.with([
            "id": user.id, "created_on": user.createdOn, "modified_on": user.modifiedOn, "is_disabled": !user.active, "email": user.email,
            "name": user.name, "nickname": user.name, "avatar": "", "roles": user.role == .admin ? ["admin"] : [String](),
        ])
        if permissions {
            let level = user.role == .admin ? "manage" : "view"
            shown["permissions"] = .object(
                [("visibility", .string("all"))]
                    + ["access_lists", "dead_hosts", "proxy_hosts", "redirection_hosts", "streams", "certificates"].map { ($0, .string(level)) })
        }
        return shown
    }
}
