import Foundation
import PostgresNIO

/// `postgres://user:password@host:port/database?sslmode=…&sslrootcert=…`, read
/// once. `sslmode` means what it means to libpq:
///
/// - `disable`: no TLS.
/// - `allow`, `prefer` (the default): TLS if the server offers it, its certificate not checked.
/// - `require`: TLS or no connection; the certificate is not checked, unless
///   `sslrootcert` names a CA file (then as `verify-ca`, as libpq does).
/// - `verify-ca`: TLS, and the server's certificate must chain to a trusted CA.
/// - `verify-full`: as `verify-ca`, and the certificate must name the host connected to.
///
/// `sslrootcert=PATH` is the CA file (PEM) to trust; without it, the
/// system's trust store (`/etc/ssl/certs`).
struct PostgresURL {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String
    var tls: TLSChoice

    /// Whether and how to speak TLS, before it becomes one library type or another.
    enum TLSChoice {
        case disable
        case prefer(TLSConfiguration)
        case require(TLSConfiguration)
    }

    init(_ url: String) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw DatabaseURLError("not a postgres:// URL")
        }
        guard let user = components.user, !user.isEmpty else { throw DatabaseURLError("the URL names no user (postgres://USER@HOST/DB)") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw DatabaseURLError("the URL names no database (postgres://USER@HOST/DB)") }
        let parameter = { (name: String) in components.queryItems?.first { $0.name == name }?.value }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        port = components.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        password = components.password?.removingPercentEncoding
        self.database = database
        tls = try Self.tls(mode: parameter("sslmode") ?? "prefer", rootCertificate: parameter("sslrootcert"))
    }

    static func tls(mode: String, rootCertificate: String?) throws -> TLSChoice {
        var checked = TLSConfiguration.makeClientConfiguration()
        if let rootCertificate {
            guard FileManager.default.isReadableFile(atPath: rootCertificate) else {
                throw DatabaseURLError("sslrootcert=\(rootCertificate) is not a readable file")
            }
            checked.trustRoots = .file(rootCertificate)
        }
        var unchecked = TLSConfiguration.makeClientConfiguration()
        unchecked.certificateVerification = .none
        switch mode {
        case "disable":
            return .disable
        case "allow", "prefer":
            return .prefer(unchecked)
        case "require" where rootCertificate == nil:
            return .require(unchecked)
        case "require", "verify-ca":
            checked.certificateVerification = .noHostnameVerification
            return .require(checked)
        case "verify-full":
            checked.certificateVerification = .fullVerification
            return .require(checked)
        default:
            throw DatabaseURLError("sslmode=\(mode) is not one of disable, allow, prefer, require, verify-ca, verify-full")
        }
    }

    /// The pool's configuration, of at most `connections`.
    func client(connections: Int) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch self.tls {
            case .disable: .disable
            case .prefer(let configuration): .prefer(configuration)
            case .require(let configuration): .require(configuration)
            }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: port,
            username: user,
            password: password,
            database: database,
            tls: tls
        )
        configuration.options.maximumConnections = max(2, connections)
        return configuration
    }

    /// One connection, made and closed: a wrong address, password or
    /// certificate fails here at once with its reason, where the pool would
    /// keep retrying in the background.
    func check(logger: Logger) async throws {
        let tls: PostgresConnection.Configuration.TLS =
            switch self.tls {
            case .disable: .disable
            case .prefer(let configuration): .prefer(try NIOSSLContext(configuration: configuration))
            case .require(let configuration): .require(try NIOSSLContext(configuration: configuration))
            }
        let configuration = PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: configuration,
            id: 0,
            logger: logger
        ).get()
        try await connection.close().get()
    }
}

struct DatabaseURLError: Error, CustomStringConvertible {
    let description: String
    init(_ why: String) { description = "the database URL cannot be used: \(why)" }
}
