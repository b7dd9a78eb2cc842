import Crypto
import Foundation

/// The studio's stylesheet and scripts, served under names that carry a hash
/// of their content (`/static/studio/composer.1a2b3c4d5e.js`), so a browser
/// may keep each for a year and still never runs a stale one.
public struct StaticAssets: Sendable {
    /// One file: its bytes, type and fingerprinted path.
    public struct Asset: Sendable {
        public let name: String
        public let path: String
        public let contentType: String
        public let body: Data
    }

    public let assets: [String: Asset]
    private let byPath: [String: Asset]

    public init(_ assets: [Asset]) {
        self.assets = Dictionary(uniqueKeysWithValues: assets.map { ($0.name, $0) })
        byPath = Dictionary(uniqueKeysWithValues: assets.map { ($0.path, $0) })
    }

    /// The studio's assets as they ship in `Assets/studio/`.
    public static func bundled() throws -> StaticAssets {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("Assets/studio") else {
            throw RenderError(message: "the studio's assets are missing from the build")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        return StaticAssets(
            try names.map { name in
                let body = try Data(contentsOf: folder.appendingPathComponent(name))
                let fingerprint = SHA256.hash(data: body).prefix(5).hexString
                let stem = (name as NSString).deletingPathExtension
                let ext = (name as NSString).pathExtension
                let type = ext == "js" ? "text/javascript; charset=utf-8" : ext == "css" ? "text/css; charset=utf-8" : "application/octet-stream"
                return Asset(name: name, path: "/static/studio/\(stem).\(fingerprint).\(ext)", contentType: type, body: body)
            }
        )
    }

    /// The fingerprinted path of `name` (`composer.js`).
    public func path(_ name: String) -> String { assets[name]?.path ?? "/static/studio/\(name)" }

    /// The asset served at `path`, if any.
    public func asset(at path: String) -> Asset? { byPath[path] }
}
