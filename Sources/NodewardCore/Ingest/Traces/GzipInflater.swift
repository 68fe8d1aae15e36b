import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension DiagnosticCode {
    /// A gzip trace file whose compressed data is corrupt or ends early (the lines before are kept).
    public static let traceCorruptCompression: DiagnosticCode = "trace.corrupt-compression"
}

/// Streaming gzip decompression (RFC 1952, several members one after another as `cat a.gz b.gz` makes)
/// with the system's zlib: a fixed input buffer, output straight into the line reader's buffer, so a
/// compressed trace is read in the same bounded memory as a plain one.
final class GzipInflater {
    enum Input {
        case fileDescriptor(Int32)
        case memory([UInt8])
    }

    /// gzip's magic number, how a compressed trace is recognised whatever its name.
    static let magic: [UInt8] = [0x1F, 0x8B]

    private let stream: UnsafeMutablePointer<z_stream>
    private let input: UnsafeMutablePointer<UInt8>
    private let inputCapacity: Int
    private var source: Input
    private var memoryOffset = 0
    private var sourceEnded = false
    private var initialized = false
    private var ended = false
    /// Why decompression stopped early; nil while the data is good.
    private(set) var failure: String?

    init(_ source: Input, chunkBytes: Int = 1 << 18) {
        self.source = source
        inputCapacity = max(64, chunkBytes)
        input = UnsafeMutablePointer<UInt8>.allocate(capacity: inputCapacity)
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 32: a 32 KiB window, gzip or zlib header detected automatically.
        initialized = inflateInit2_(stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        if !initialized { failure = "zlib could not be initialised" }
    }

    deinit {
        if initialized { inflateEnd(stream) }
        stream.deinitialize(count: 1)
        stream.deallocate()
        input.deallocate()
        if case .fileDescriptor(let descriptor) = source { close(descriptor) }
    }

    /// Decompresses into `buffer`, at most `capacity` bytes; 0 at the end of the data or after a failure.
    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        guard failure == nil, !ended, capacity > 0 else { return 0 }
        stream.pointee.next_out = buffer
        stream.pointee.avail_out = UInt32(min(capacity, Int(UInt32.max)))
        let requested = Int(stream.pointee.avail_out)
        while true {
            if stream.pointee.avail_in == 0, !sourceEnded { refill() }
            if failure != nil { return requested - Int(stream.pointee.avail_out) }
            let status = inflate(stream, Z_NO_FLUSH)
            let produced = requested - Int(stream.pointee.avail_out)
            switch status {
            case Z_STREAM_END:
                if stream.pointee.avail_in == 0, !sourceEnded { refill() }
                guard stream.pointee.avail_in > 0 else {
                    ended = true
                    return produced
                }
                // Another gzip member follows.
                inflateReset(stream)
                if produced > 0 { return produced }
            case Z_OK, Z_BUF_ERROR:
                if produced > 0 { return produced }
                if stream.pointee.avail_in == 0, sourceEnded {
                    failure = "the gzip data ends early (the file is truncated)"
                    return 0
                }
            default:
                failure = "the gzip data is corrupt"
                return produced
            }
        }
    }

    private func refill() {
        let count: Int
        switch source {
        case .fileDescriptor(let descriptor):
            var read = 0
            while true {
                read = systemRead(descriptor, input, inputCapacity)
                if read < 0, errno == EINTR { continue }
                break
            }
            if read < 0 { failure = "the file cannot be read: \(String(cString: strerror(errno)))" }
            count = max(0, read)
        case .memory(let bytes):
            count = min(inputCapacity, bytes.count - memoryOffset)
            if count > 0 {
                bytes.withUnsafeBufferPointer { all in
                    if let base = all.baseAddress { input.update(from: base + memoryOffset, count: count) }
                }
                memoryOffset += count
            }
        }
        if count == 0 { sourceEnded = true }
        stream.pointee.next_in = input
        stream.pointee.avail_in = UInt32(count)
    }

    /// Whether an open regular file starts with gzip's magic number (read without moving its offset).
    static func startsWithMagic(_ descriptor: Int32) -> Bool {
        var head: [UInt8] = [0, 0]
        let count = head.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, 2, 0) }
        return count == 2 && head == magic
    }

    /// Decompresses a whole gzip file held in memory, at most `limit` bytes of output.
    static func decompress(_ bytes: [UInt8], limit: Int) -> TraceFileBytes.Outcome {
        let inflater = GzipInflater(.memory(bytes))
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return inflater.read(into: base, capacity: buffer.count)
            }
            if count == 0 { break }
            output.append(contentsOf: chunk[0..<count])
            if output.count > limit { return .tooLarge(output.count) }
        }
        if let failure = inflater.failure { return .unreadable(failure) }
        return .bytes(output)
    }
}

/// `read(2)`, named apart from `GzipInflater.read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
