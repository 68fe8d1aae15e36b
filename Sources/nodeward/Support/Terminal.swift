import Foundation
import NodewardCore

/// stdout carries data, stderr carries diagnostics and progress.
enum Terminal {
    static let stderrIsTTY = isatty(STDERR_FILENO) == 1

    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// A progress line, redrawn in place at most every 0.2 s, only when stderr is a terminal.
    final class ProgressLine: @unchecked Sendable {
        private var last = Date.distantPast
        private var drawn = false
        private let started = Date()

        func update(_ progress: PipelineProgress) {
            guard Terminal.stderrIsTTY else { return }
            let now = Date()
            guard now.timeIntervalSince(last) >= 0.2 else { return }
            last = now
            let seconds = max(now.timeIntervalSince(started), 0.001)
            let rate = Int(Double(progress.steps) / seconds)
            FileHandle.standardError.write(Data("\r\u{1B}[K\(progress.stage): \(progress.runs.grouped) runs, \(progress.steps.grouped) steps (\(rate.grouped) steps/s)".utf8))
            drawn = true
        }

        func finish() {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            drawn = false
        }
    }
}
