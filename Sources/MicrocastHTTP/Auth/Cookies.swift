import Hummingbird
import MicrocastApp
import MicrocastCore

/// Reading the `Cookie` header and writing `Set-Cookie` with the flags a
/// session needs: HttpOnly, SameSite=Lax, and Secure on an https site.
struct Cookies {
    static func value(_ name: String, in request: Request) -> String? {
        CookieHeader.value(name, in: request.headers[values: .cookie])
    }

    static func setCookie(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "")
    }
}
