import Foundation
import PostgresNIO

/// `postgres://user:password@host:port/database?sslmode=…` as a client configuration.
enum PostgresURL {
    static func configuration(_ url: String, connections: Int) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw DatabaseURLError("not a postgres:// URL")
        }
        guard let user = components.user, !user.isEmpty else { throw DatabaseURLError("the URL names no user (postgres://USER@HOST/DB)") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw DatabaseURLError("the URL names no database (postgres://USER@HOST/DB)") }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw DatabaseURLError("sslmode=\(sslMode) is not one of disable, prefer, require")
        }
        var configuration = PostgresClient.Configuration(
            host: components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password?.removingPercentEncoding,
            database: database,
            tls: tls
        )
        configuration.options.maximumConnections = max(2, connections)
        return configuration
    }
}

struct DatabaseURLError: Error, CustomStringConvertible {
    let description: String
    init(_ why: String) { description = "the database URL cannot be used: \(why)" }
}
