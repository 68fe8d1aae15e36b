#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension DiagnosticCode {
    /// An input path names a device, FIFO, socket or folder where a regular file was expected.
    public static let inputNotRegularFile: DiagnosticCode = "input.not-regular-file"
}

/// Opening the files Nodeward reads (traces, sandboxes, workspace, policy, graph and label files): only
/// regular files are read. A device (`/dev/zero`), FIFO or socket never ends or blocks, so it is refused
/// before a byte is read; the FIFO check does not block either (the file is opened non-blocking, checked
/// with `fstat`, then switched back to blocking reads).
public enum InputFile {
    public enum Opened {
        case descriptor(Int32)
        /// Not a regular file: what it is ("a character device", "a FIFO", ...).
        case notRegular(String)
        /// The system's reason the file cannot be opened.
        case failed(String)
    }

    public enum Read {
        case bytes([UInt8])
        case notRegular(String)
        /// Over the limit: the size seen (at least `limit + 1`).
        case tooLarge(Int)
        case failed(String)
    }

    /// The UTF-8 byte order mark, skipped at the start of every text input (docs/formats.md).
    public static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// `text` without a leading byte order mark (U+FEFF), for text handed over already decoded.
    public static func withoutByteOrderMark(_ text: String) -> String {
        text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
    }

    /// Opens `path` for reading when it is a regular file (symbolic links are followed).
    public static func openRegular(_ path: String) -> Opened {
        let descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else { return .failed(String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            return .failed(reason)
        }
        if let kind = kindIfNotRegular(info.st_mode) {
            close(descriptor)
            return .notRegular(kind)
        }
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK) }
        return .descriptor(descriptor)
    }

    /// Reads a whole regular file, at most `limit` bytes.
    public static func read(_ path: String, limit: Int) -> Read {
        let descriptor: Int32
        switch openRegular(path) {
        case .descriptor(let opened): descriptor = opened
        case .notRegular(let kind): return .notRegular(kind)
        case .failed(let reason): return .failed(reason)
        }
        defer { close(descriptor) }
        var info = stat()
        if fstat(descriptor, &info) == 0, Int(info.st_size) > limit { return .tooLarge(Int(info.st_size)) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return systemRead(descriptor, base, buffer.count)
            }
            if count < 0 {
                if errno == EINTR { continue }
                return .failed(String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            // The file grew past the limit while being read.
            if bytes.count > limit { return .tooLarge(bytes.count) }
        }
        return .bytes(bytes)
    }

    /// Reads a whole regular file as UTF-8 text without its byte order mark; nil with a diagnostic
    /// (`input.not-regular-file`, `input.too-large`, `input.invalid-utf8`, or `unreadable`'s code).
    public static func readText(_ path: String, limit: Int, what: String, unreadable: DiagnosticCode = .fileUnreadable) -> Result<String, Diagnostic> {
        let start = SourceLocation(file: path, line: 1)
        switch read(path, limit: limit) {
        case .bytes(let bytes):
            let body = bytes.starts(with: byteOrderMark) ? bytes[byteOrderMark.count...] : bytes[...]
            guard let text = String(validating: body, as: UTF8.self) else {
                return .failure(.error(.invalidUTF8, "the \(what) is not valid UTF-8 (save it as UTF-8)", at: start))
            }
            return .success(text)
        case .notRegular(let kind):
            return .failure(notRegular(kind, what: what, at: start))
        case .tooLarge(let size):
            return .failure(.error(.fileTooLarge, "the \(what) is \(size) bytes, over the limit of \(limit)", at: start))
        case .failed(let reason):
            return .failure(.error(unreadable, "cannot read the \(what): \(reason)", at: start))
        }
    }

    /// The diagnostic for a path that is not a regular file.
    public static func notRegular(_ kind: String, what: String, at location: SourceLocation) -> Diagnostic {
        .error(.inputNotRegularFile, "the \(what) is \(kind), not a regular file; copy the data to a file and pass that", at: location)
    }

    static func kindIfNotRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFDIR: return "a folder"
        default: return "not a file"
        }
    }
}

/// `read(2)`, named apart from `InputFile.read`.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
