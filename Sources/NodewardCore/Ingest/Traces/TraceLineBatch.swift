import Dispatch

/// Lines of one file gathered for decoding together: their bytes copied out of the line reader (whose
/// buffer moves on), so the batch can be cut into chunks at line boundaries and decoded on several threads.
struct TraceLineBatch: Sendable {
    struct Line: Sendable {
        var range: Range<Int>
        var number: Int
        var terminated: Bool
        /// Set for a line over `maxLineBytes` (its bytes are not kept).
        var tooLongBytes: Int?
    }

    var bytes: [UInt8] = []
    var lines: [Line] = []
}

/// Moves decoded lines out of worker threads; each index is written by exactly one of them.
private struct DecodedSlots: @unchecked Sendable {
    let base: UnsafeMutablePointer<DecodedLine?>
}

extension TraceReadSession {
    /// Bytes of lines gathered per decoding thread before a batch is decoded and applied.
    static let batchBytesPerThread = 1 << 21

    /// Reads, decodes and applies the next batch of lines of a line-form file; false once it is done.
    func advanceBatch(_ input: TraceFileInput, format: TraceFormat) -> Bool {
        let threads = max(1, options.decodeThreads)
        let batch = gatherBatch(input, limit: Self.batchBytesPerThread * threads)
        // Blank lines add no bytes, so an empty batch means the file has ended.
        guard !batch.lines.isEmpty else { return finishFile(input) }
        let decoded = decode(batch, format: format, file: input.file, threads: threads)
        for (line, result) in zip(batch.lines, decoded) {
            apply(result, source: SourceLocation(file: input.file, line: line.number))
        }
        return true
    }

    /// Lines until `limit` bytes are held or the file ends. Blank lines are dropped here, as the
    /// sequential reader drops them.
    private func gatherBatch(_ input: TraceFileInput, limit: Int) -> TraceLineBatch {
        var batch = TraceLineBatch()
        batch.bytes.reserveCapacity(min(limit, 1 << 24) + 4096)
        while batch.bytes.count < limit, let event = input.reader.next() {
            switch event {
            case .tooLong(let number, let bytes):
                let here = batch.bytes.count
                batch.lines.append(.init(range: here..<here, number: number, terminated: true, tooLongBytes: bytes))
            case .line(let range, let number, let terminated):
                guard Self.firstNonBlank(input.reader.buffer, range) != nil else { continue }
                let start = batch.bytes.count
                batch.bytes.append(contentsOf: input.reader.buffer[range])
                batch.lines.append(.init(range: start..<batch.bytes.count, number: number, terminated: terminated))
            }
        }
        return batch
    }

    /// Decodes every line of the batch; with several threads, contiguous chunks of about equal bytes run
    /// in parallel. Results are in line order whatever the thread count.
    private func decode(_ batch: TraceLineBatch, format: TraceFormat, file: String, threads: Int) -> [DecodedLine] {
        let decoder = lineDecoder
        @Sendable func decodeLine(_ line: TraceLineBatch.Line) -> DecodedLine {
            if let bytes = line.tooLongBytes { return .tooLong(bytes: bytes) }
            return decoder.decode(
                batch.bytes[line.range], format: format, terminated: line.terminated, source: SourceLocation(file: file, line: line.number))
        }
        let chunks = Self.chunkBounds(batch, parts: threads)
        guard chunks.count > 1 else { return batch.lines.map(decodeLine) }
        let results = UnsafeMutablePointer<DecodedLine?>.allocate(capacity: batch.lines.count)
        results.initialize(repeating: nil, count: batch.lines.count)
        defer { results.deinitialize(count: batch.lines.count); results.deallocate() }
        let slots = DecodedSlots(base: results)
        DispatchQueue.concurrentPerform(iterations: chunks.count) { chunk in
            for index in chunks[chunk] { slots.base[index] = decodeLine(batch.lines[index]) }
        }
        // concurrentPerform has filled every slot; an empty one would be a bug here, reported as a bad line.
        return (0..<batch.lines.count).map { results[$0] ?? .invalidJSON(message: "internal: line not decoded", terminated: true) }
    }

    /// Line-index ranges splitting the batch into at most `parts` chunks of about equal bytes.
    static func chunkBounds(_ batch: TraceLineBatch, parts: Int) -> [Range<Int>] {
        let count = batch.lines.count
        guard parts > 1, count > 1 else { return count == 0 ? [] : [0..<count] }
        let target = max(1, batch.bytes.count / parts)
        var bounds: [Range<Int>] = []
        var start = 0
        for index in 0..<count where bounds.count < parts - 1 {
            if batch.lines[index].range.upperBound - batch.lines[start].range.lowerBound >= target {
                bounds.append(start..<index + 1)
                start = index + 1
            }
        }
        if start < count { bounds.append(start..<count) }
        return bounds
    }
}
