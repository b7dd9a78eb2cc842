import Crypto
import Foundation
import _CryptoExtras

/// Random secrets and their one-way hashes. Tokens, codes and session ids are
/// 32 random bytes in base64url; only their SHA-256 is ever stored.
public enum Secrets {
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL(Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }))
    }

    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }

    public static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Compares without an early exit, so timing does not tell how much matched.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// PKCE (RFC 7636) with S256, the only method we accept.
public enum PKCE {
    public static func challenge(for verifier: String) -> String {
        Secrets.base64URL(Data(SHA256.hash(data: Data(verifier.utf8))))
    }

    public static func verify(verifier: String, challenge: String) -> Bool {
        // RFC 7636 §4.1: 43 to 128 characters from the unreserved set.
        guard (43...128).contains(verifier.count),
            verifier.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._~".contains($0)) })
        else { return false }
        return Secrets.constantTimeEquals(Self.challenge(for: verifier), challenge)
    }
}

/// The owner's passphrase, stored as an scrypt hash (memory-hard, from
/// swift-crypto): `scrypt$N$r$p$SALT$HASH`, salt and hash in base64.
public enum PassphraseHasher {
    /// N = 2^15, r = 8, p = 1: 32 MiB and about 0.1 s a try, as OWASP suggests.
    public static let defaultCost = (rounds: 1 << 15, blockSize: 8, parallelism: 1)

    public static func hash(_ passphrase: String, cost: (rounds: Int, blockSize: Int, parallelism: Int) = defaultCost) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let key = try derive(passphrase, salt: salt, cost: cost)
        return "scrypt$\(cost.rounds)$\(cost.blockSize)$\(cost.parallelism)$\(salt.base64EncodedString())$\(key.base64EncodedString())"
    }

    public static func verify(_ passphrase: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$").map(String.init)
        guard parts.count == 6, parts[0] == "scrypt", let rounds = Int(parts[1]), let blockSize = Int(parts[2]),
            let parallelism = Int(parts[3]), let salt = Data(base64Encoded: parts[4]),
            let derived = try? derive(passphrase, salt: salt, cost: (rounds, blockSize, parallelism))
        else { return false }
        return Secrets.constantTimeEquals(derived.base64EncodedString(), parts[5])
    }

    static func derive(_ passphrase: String, salt: Data, cost: (rounds: Int, blockSize: Int, parallelism: Int)) throws -> Data {
        let key = try KDF.Scrypt.deriveKey(
            from: Data(passphrase.utf8),
            salt: salt,
            outputByteCount: 32,
            rounds: cost.rounds,
            blockSize: cost.blockSize,
            parallelism: cost.parallelism,
            maxMemory: 256 << 20
        )
        return key.withUnsafeBytes { Data($0) }
    }
}
