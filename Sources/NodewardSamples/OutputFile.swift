import Foundation
import NodewardCore

/// A buffered output file that counts the bytes it wrote. Generation streams through these, so memory
/// stays bounded however many steps are written.
final class OutputFile {
    let relativePath: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var bytesWritten = 0

    init(root: URL, relativePath: String) throws(GeneratorError) {
        self.relativePath = relativePath
        let url = root.appendingPathComponent(relativePath)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create the folder for \(relativePath): \(GeneratorError.reason(error))")
        }
        guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = try? FileHandle(forWritingTo: url) else {
            throw .io("cannot create \(relativePath)")
        }
        self.handle = handle
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ text: String) throws(GeneratorError) {
        buffer.append(contentsOf: text.utf8)
        bytesWritten += text.utf8.count
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws(GeneratorError) {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch { throw .io("cannot write \(relativePath): \(GeneratorError.reason(error))") }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws(GeneratorError) {
        try flush()
        do { try handle.close() } catch { throw .io("cannot close \(relativePath): \(GeneratorError.reason(error))") }
    }
}

/// RFC 3339 UTC timestamps with millisecond precision (the generator's clock is millisecond-aligned).
enum Timestamp {
    static func rfc3339(nanos: Int64) -> String {
        let millis = nanos / 1_000_000
        let seconds = millis / 1000
        let days = seconds / 86_400
        let secondOfDay = Int(seconds % 86_400)
        // Civil-from-days (Howard Hinnant), valid for the proleptic Gregorian calendar.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int64(secondOfDay / 3600), 2)):\(pad(Int64(secondOfDay / 60 % 60), 2)):"
            + "\(pad(Int64(secondOfDay % 60), 2)).\(pad(millis % 1000, 3))Z"
    }
}
