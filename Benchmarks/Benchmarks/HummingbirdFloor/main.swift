import Hummingbird
import NIOCore

import Glibc

// The framework's floor for scripts/bench-serve: a Hummingbird server that does what
// `dealrules serve` does for POST /v1/decide except deciding. It reads the whole body and answers
// a fixed body of a decision's size, through the same kind of responder (no router), on the same
// HTTP/1 channel. `hummingbird-floor PORT BYTES`: prints the port it listens on.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 0 : 0
let size = arguments.count > 2 ? Int(arguments[2]) ?? 1400 : 1400
let body = "{\"decision\":\"needs_approval\",\"padding\":\"" + String(repeating: "x", count: max(0, size - 42)) + "\"}\n"

struct FloorResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let body: ByteBuffer

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        var bytes = 0
        for try await chunk in request.body { bytes += chunk.readableBytes }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: bytes >= 0 ? .ok : .badRequest, headers: headers, body: ResponseBody(byteBuffer: body))
    }
}

let app = Application(
    responder: FloorResponder(body: ByteBuffer(string: body)),
    configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { channel in
        // Straight to the file descriptor: a script waits for this line.
        let line = Array("listening on \(channel.localAddress?.port ?? port)\n".utf8)
        _ = line.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }
)
try await app.runService()
