/// Reading `Cookie` request headers (RFC 6265 section 5.4): `name=value`
/// pairs separated by `;`, the first pair with the name winning.
public enum CookieHeader {
    public static func value(_ name: String, in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                if parts.count == 2, parts[0] == name { return parts[1] }
            }
        }
        return nil
    }
}
