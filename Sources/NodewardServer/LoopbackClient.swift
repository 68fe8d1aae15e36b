import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking HTTP/1.1 keep-alive connection to a local port, on plain sockets: the load generator of
/// `nodeward bench --workloads serve` and the stress tests (one per thread; no event loop in the way).
/// Responses must carry `Content-Length`, as the sidecar's do.
public final class LoopbackConnection {
    public struct Reply: Sendable {
        public var status: Int
        /// Header names lowercased.
        public var headers: [String: String]
        public var body: [UInt8]
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    private let socket: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var chunk = [UInt8](repeating: 0, count: 65_536)

    public init(host: String = "127.0.0.1", port: Int) throws {
        #if canImport(Glibc)
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        socket = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard socket >= 0 else { throw Failure(description: "cannot create a socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr(host)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(socket)
            throw Failure(description: "cannot connect to \(host):\(port)")
        }
        var noDelay: Int32 = 1
        setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(socket) }

    /// Reads give up (throw) after this long without data.
    public func setReceiveTimeout(seconds: Double) {
        var value = timeval()
        value.tv_sec = Int(seconds)
        value.tv_usec = .init((seconds - Double(Int(seconds))) * 1e6)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends raw bytes (tests of slow clients send requests in pieces).
    public func write(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes { raw in
                #if canImport(Glibc)
                Glibc.send(socket, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
                #else
                Darwin.send(socket, raw.baseAddress, raw.count, 0)
                #endif
            }
            guard written > 0 else { throw Failure(description: "send failed") }
            sent += written
        }
    }

    public static func request(method: String, path: String, body: [UInt8], token: String? = nil) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        if !body.isEmpty || method == "POST" { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    public func send(method: String, path: String, body: [UInt8] = [], token: String? = nil) throws -> Reply {
        try write(Self.request(method: method, path: path, body: body, token: token))
        return try readReply()
    }

    /// Reads one response.
    public func readReply() throws -> Reply {
        var headerEnd: Int?
        var scanned = start
        while headerEnd == nil {
            if buffer.count - scanned >= 4 {
                for index in max(start, scanned - 3)..<(buffer.count - 3)
                where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
                    headerEnd = index + 4
                    break
                }
                scanned = buffer.count
            }
            if headerEnd == nil { try fill() }
        }
        let end = headerEnd!
        let head = String(decoding: buffer[start..<end], as: UTF8.self)
        var lines = head.split(separator: "\r\n").makeIterator()
        guard let statusLine = lines.next(), let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else {
            throw Failure(description: "bad status line")
        }
        var headers: [String: String] = [:]
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap(Int.init) ?? 0
        while buffer.count < end + length { try fill() }
        let reply = Reply(status: status, headers: headers, body: Array(buffer[end..<end + length]))
        start = end + length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return reply
    }

    /// True when bytes (or the close) from the server are waiting to be read, without reading them.
    public func hasIncoming(within timeout: Double) -> Bool {
        if start < buffer.count { return true }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, Int32(timeout * 1000)) > 0
    }

    /// True when the server has closed the connection (waits up to `timeout` seconds for it).
    public func isClosedByPeer(within timeout: Double) -> Bool {
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(timeout * 1000)) > 0 else { return false }
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        return count <= 0
    }

    private func fill() throws {
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw Failure(description: "connection closed") }
        buffer.append(contentsOf: chunk[..<count])
    }
}
