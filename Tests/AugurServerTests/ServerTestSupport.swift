import AugurEngine
import AugurServer
import AugurSpeculative
import AugurTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// A raw HTTP exchange's result.
struct HTTPReply {
    var status: Int
    var headers: [String: String]
    var body: Data

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The `data:` payloads of a server-sent event stream, in order (`[DONE]` included as is).
    var events: [String] {
        text.components(separatedBy: "\n\n").compactMap { block in
            block.hasPrefix("data: ") ? String(block.dropFirst(6)) : nil
        }
    }

    /// The stream's JSON chunks (everything but `[DONE]`).
    var chunks: [[String: Any]] {
        events.filter { $0 != "[DONE]" }.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
    }

    /// The concatenated text of a stream's chunks (chat deltas or completion texts).
    var streamedText: String {
        chunks.compactMap { chunk -> String? in
            guard let choice = (chunk["choices"] as? [[String: Any]])?.first else { return nil }
            if let delta = choice["delta"] as? [String: Any] { return delta["content"] as? String }
            return choice["text"] as? String
        }.joined()
    }
}

/// A server on a loopback port serving SmolLM2 (loaded once per process), with raw HTTP helpers.
final class TestServer {
    let server: AugurServer
    let port: Int
    let models: ServedModels

    /// SmolLM2 with the n-gram drafter (its vocabulary differs from Qwen's), loaded once.
    static func smolModels() throws -> ServedModels {
        try sharedLock.withLock {
            if let m = sharedSmol { return m }
            let loaded = try LoadedModel(path: TestModels.path(TestModels.smol))
            let m = ServedModels(target: loaded, modelID: TestModels.smol, draft: .ngram)
            sharedSmol = m
            return m
        }
    }
    private static let sharedLock = NSLock()
    nonisolated(unsafe) private static var sharedSmol: ServedModels?

    /// Starts a server on a free loopback port.
    init(models: ServedModels, slots: Int = 2, contextSize: Int = 512, queue: Int? = nil,
         speculation: SpeculationSettings = SpeculationSettings()) async throws {
        var options = ServerOptions()
        options.port = 0
        options.slots = slots
        options.contextSize = contextSize
        options.queueLimit = queue
        options.speculation = speculation
        server = AugurServer(options: options)
        server.install(models)
        self.models = models
        port = try await server.start()
    }

    func stop() async { await server.stop() }

    /// Sends a request and returns the whole reply.
    func request(_ method: String, _ path: String, body: Data? = nil) async throws -> HTTPReply {
        var r = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        r.httpMethod = method
        r.timeoutInterval = 300
        if let body {
            r.httpBody = body
            r.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { headers["\(k)".lowercased()] = "\(v)" }
        return HTTPReply(status: http.statusCode, headers: headers, body: data)
    }

    /// POSTs a JSON object.
    func post(_ path: String, _ object: [String: Any]) async throws -> HTTPReply {
        try await request("POST", path, body: JSONSerialization.data(withJSONObject: object))
    }

    /// `/health`'s free slot count.
    func freeSlots() async throws -> Int {
        try await request("GET", "/health").json["slots_free"] as? Int ?? -1
    }

    /// Waits (up to `seconds`) until every slot is free; returns whether they are.
    func waitUntilIdle(seconds: Double = 30) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await freeSlots() == server.options.slots { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return false
    }

    /// The value of an unlabelled metric in `/metrics` (nil when absent).
    func metric(_ name: String) async throws -> Double? {
        let text = try await request("GET", "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last ?? "")
        }
        return nil
    }
}

/// Opens a TCP connection to the loopback port, sends `request` and reads until `until` appears
/// in the reply (or the connection ends), then closes the socket: a client that goes away mid-stream.
func sendAndHangUp(port: Int, request: String, until marker: String) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw POSIXError(.EIO) }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
    var received = ""
    var buffer = [UInt8](repeating: 0, count: 4096)
    while !received.contains(marker) {
        let n = recv(fd, &buffer, buffer.count, 0)
        if n <= 0 { break }
        received += String(decoding: buffer[0..<n], as: UTF8.self)
    }
    return received
}

/// A raw HTTP/1.1 POST with a JSON body.
func rawPost(_ path: String, json: String) -> String {
    "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\n\r\n\(json)"
}
