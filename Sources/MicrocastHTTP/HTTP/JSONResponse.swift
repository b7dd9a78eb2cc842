import Foundation
import Hummingbird
import MicrocastApp
import MicrocastCore

/// JSON answers, keys sorted so they are stable to read and test.
enum JSONResponse {
    static func ok(_ value: JSONValue) -> Response {
        let data = (try? JSONEncoder.sorted.encode(value)) ?? Data()
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
