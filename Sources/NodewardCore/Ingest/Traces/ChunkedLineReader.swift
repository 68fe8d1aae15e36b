#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a line reader's bytes come from: an open file, or bytes already in memory (tests).
enum TraceByteSource {
    case fileDescriptor(Int32)
    case memory([UInt8])
    /// gzip data, decompressed as it is read.
    case gzip(GzipInflater)
}

/// Splits a byte stream into `\n`-separated lines (a trailing `\r` is dropped), reading fixed-size
/// chunks. Memory is one chunk plus the longest line kept; a line over `maxLineBytes` is discarded as it
/// streams past and reported as `.tooLong`, never held whole.
final class ChunkedLineReader {
    enum Event {
        /// A line's bytes are `reader.buffer[range]`, valid until the next call to `next()`.
        case line(range: Range<Int>, number: Int, terminated: Bool)
        case tooLong(number: Int, bytes: Int)
    }

    private(set) var buffer: [UInt8]
    private(set) var bytesRead = 0
    private(set) var lineNumber = 0
    private var source: TraceByteSource
    private var memoryOffset = 0
    private let maxLineBytes: Int
    private let chunkBytes: Int
    private var lineStart = 0
    private var scanFrom = 0
    private var end = 0
    private var atEnd = false
    /// True while the current line is over the limit and its bytes are being dropped.
    private var discarding = false
    private var discardedBytes = 0
    /// Whether the start of the input has been checked for a UTF-8 byte order mark (skipped).
    private var byteOrderMarkChecked = false

    init(source: TraceByteSource, maxLineBytes: Int, chunkBytes: Int) {
        self.source = source
        self.maxLineBytes = max(1, maxLineBytes)
        self.chunkBytes = max(1, chunkBytes)
        self.buffer = [UInt8](repeating: 0, count: self.chunkBytes)
    }

    deinit {
        if case .fileDescriptor(let descriptor) = source { close(descriptor) }
    }

    /// Why the source stopped early (corrupt or truncated gzip data); nil otherwise.
    var sourceFailure: String? {
        if case .gzip(let inflater) = source { return inflater.failure }
        return nil
    }

    func next() -> Event? {
        if !byteOrderMarkChecked { skipByteOrderMark() }
        while true {
            if let newline = findNewline() {
                let start = lineStart
                lineStart = newline + 1
                scanFrom = lineStart
                lineNumber += 1
                if discarding {
                    discarding = false
                    return .tooLong(number: lineNumber, bytes: discardedBytes + (newline - start))
                }
                var stop = newline
                if stop > start, buffer[stop - 1] == 0x0D { stop -= 1 }
                if stop - start > maxLineBytes { return .tooLong(number: lineNumber, bytes: stop - start) }
                return .line(range: start..<stop, number: lineNumber, terminated: true)
            }
            scanFrom = end
            if discarding || end - lineStart > maxLineBytes {
                if !discarding { discarding = true; discardedBytes = 0 }
                discardedBytes += end - lineStart
                lineStart = end
            }
            if atEnd {
                if discarding {
                    discarding = false
                    lineNumber += 1
                    return .tooLong(number: lineNumber, bytes: discardedBytes)
                }
                guard lineStart < end else { return nil }
                let start = lineStart
                lineStart = end
                lineNumber += 1
                var stop = end
                if buffer[stop - 1] == 0x0D { stop -= 1 }
                return .line(range: start..<stop, number: lineNumber, terminated: false)
            }
            fill()
        }
    }

    /// A UTF-8 byte order mark before the first line is not part of it (editors on Windows write one).
    private func skipByteOrderMark() {
        byteOrderMarkChecked = true
        let mark = InputFile.byteOrderMark
        while end - lineStart < mark.count, !atEnd {
            let before = end
            fill()
            if end == before { break }
        }
        guard end - lineStart >= mark.count, buffer[lineStart..<lineStart + mark.count].elementsEqual(mark) else { return }
        lineStart += mark.count
        scanFrom = lineStart
    }

    private func findNewline() -> Int? {
        guard scanFrom < end else { return nil }
        return buffer.withUnsafeBufferPointer { bytes -> Int? in
            guard let base = bytes.baseAddress, let hit = memchr(base + scanFrom, 0x0A, end - scanFrom) else { return nil }
            return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// Moves the unfinished line to the front and reads the next chunk after it.
    private func fill() {
        if lineStart > 0 {
            let pending = end - lineStart
            if pending > 0 {
                buffer.withUnsafeMutableBufferPointer { bytes in
                    _ = memmove(bytes.baseAddress!, bytes.baseAddress! + lineStart, pending)
                }
            }
            end = pending
            scanFrom -= lineStart
            lineStart = 0
        }
        if buffer.count < end + chunkBytes {
            buffer.append(contentsOf: repeatElement(0, count: end + chunkBytes - buffer.count))
        }
        let count = readChunk(into: end, capacity: chunkBytes)
        if count <= 0 {
            atEnd = true
        } else {
            end += count
            bytesRead += count
        }
    }

    private func readChunk(into offset: Int, capacity: Int) -> Int {
        switch source {
        case .fileDescriptor(let descriptor):
            return buffer.withUnsafeMutableBufferPointer { bytes in
                while true {
                    let count = read(descriptor, bytes.baseAddress! + offset, capacity)
                    if count < 0, errno == EINTR { continue }
                    return count
                }
            }
        case .gzip(let inflater):
            return buffer.withUnsafeMutableBufferPointer { bytes in
                inflater.read(into: bytes.baseAddress! + offset, capacity: capacity)
            }
        case .memory(let bytes):
            let count = min(capacity, bytes.count - memoryOffset)
            guard count > 0 else { return 0 }
            buffer.replaceSubrange(offset..<offset + count, with: bytes[memoryOffset..<memoryOffset + count])
            memoryOffset += count
            return count
        }
    }
}

/// Whole-file reads for single-document OTLP, bounded by a size limit; regular files only.
enum TraceFileBytes {
    enum Outcome {
        case bytes([UInt8])
        case tooLarge(Int)
        case notRegular(String)
        case unreadable(String)
    }

    static func read(path: String, limit: Int) -> Outcome {
        switch InputFile.read(path, limit: limit) {
        case .bytes(let bytes): return .bytes(bytes)
        case .tooLarge(let size): return .tooLarge(size)
        case .notRegular(let kind): return .notRegular(kind)
        case .failed(let reason): return .unreadable(reason)
        }
    }
}
