/// Candidate values for provenance matching: the strings in a step's arguments and results that are
/// specific enough that seeing one again in a later step means data flowed (not coincidence).
enum ValueTokens {
    static let minimumLength = 6

    /// A whole short string if it is specific; from longer text, e-mail addresses, URLs, IBAN-like tokens
    /// and long identifiers.
    static func candidates(in text: String, into out: inout Set<String>) {
        // ASCII without CR (so one byte is one character) takes the byte path: same result, far cheaper.
        let handled = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard bytes.allSatisfy({ $0 < 0x80 && $0 != 13 }) else { return false }
            ASCIITokens.candidates(in: bytes, text: text, into: &out)
            return true
        } ?? false
        if !handled { candidatesByCharacter(in: text, into: &out) }
    }

    /// The reference definition, character by character (used for text that is not plain ASCII).
    static func candidatesByCharacter(in text: String, into out: inout Set<String>) {
        if text.count >= minimumLength, text.count <= 120, !text.contains(" ") {
            out.insert(text)
            return
        }
        guard text.count > minimumLength else { return }
        var token = ""
        func flush() {
            if isSpecific(token) { out.insert(token) }
            token = ""
        }
        for character in text {
            if character.isWhitespace || ",;()<>\"'[]{}".contains(character) {
                flush()
            } else {
                token.append(character)
            }
        }
        flush()
    }

    static func isSpecific(_ token: String) -> Bool {
        guard token.count >= minimumLength else { return false }
        let trimmed = token.trimmingSuffix(".:!?")
        if trimmed.contains("@") && trimmed.contains(".") { return true }
        if trimmed.contains("://") { return true }
        if isIBANLike(trimmed) { return true }
        // Identifiers such as doc-118 or m-7731: letters and digits joined by dashes or underscores.
        let hasDigit = trimmed.contains { $0.isNumber }
        let hasLetter = trimmed.contains { $0.isLetter }
        return hasDigit && hasLetter && trimmed.count >= 8 && trimmed.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    static func isIBANLike(_ token: String) -> Bool {
        let characters = Array(token)
        guard characters.count >= 15, characters.count <= 34,
              characters[0].isUppercase, characters[1].isUppercase,
              characters[2].isNumber, characters[3].isNumber
        else { return false }
        return characters.allSatisfy { $0.isNumber || $0.isUppercase }
    }
}

/// `ValueTokens.candidates` over ASCII bytes without CR, where bytes and characters coincide.
enum ASCIITokens {
    static func isSeparator(_ byte: UInt8) -> Bool {
        switch byte {
        // Character.isWhitespace for ASCII: tab, LF, VT, FF, CR, space.
        case 9...13, 32: return true
        case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "<"), UInt8(ascii: ">"),
             UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"):
            return true
        default: return false
        }
    }

    static func candidates(in bytes: UnsafeBufferPointer<UInt8>, text: String, into out: inout Set<String>) {
        let count = bytes.count
        if count >= ValueTokens.minimumLength, count <= 120, !bytes.contains(32) {
            out.insert(text)
            return
        }
        guard count > ValueTokens.minimumLength else { return }
        var start = 0
        for index in 0...count {
            guard index == count || isSeparator(bytes[index]) else { continue }
            if index > start {
                let token = UnsafeBufferPointer(rebasing: bytes[start..<index])
                if isSpecific(token) { out.insert(String(decoding: token, as: UTF8.self)) }
            }
            start = index + 1
        }
    }

    static func isLetter(_ byte: UInt8) -> Bool { (65...90).contains(byte) || (97...122).contains(byte) }
    static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
    static func isUpper(_ byte: UInt8) -> Bool { (65...90).contains(byte) }

    static func isSpecific(_ token: UnsafeBufferPointer<UInt8>) -> Bool {
        guard token.count >= ValueTokens.minimumLength else { return false }
        var end = token.count
        while end > 0, [UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "!"), UInt8(ascii: "?")].contains(token[end - 1]) { end -= 1 }
        let trimmed = UnsafeBufferPointer(rebasing: token[0..<end])
        if trimmed.contains(UInt8(ascii: "@")) && trimmed.contains(UInt8(ascii: ".")) { return true }
        if trimmed.count >= 3 {
            for index in 0...(trimmed.count - 3)
            where trimmed[index] == UInt8(ascii: ":") && trimmed[index + 1] == UInt8(ascii: "/") && trimmed[index + 2] == UInt8(ascii: "/") {
                return true
            }
        }
        if trimmed.count >= 15, trimmed.count <= 34, isUpper(trimmed[0]), isUpper(trimmed[1]), isDigit(trimmed[2]), isDigit(trimmed[3]),
           trimmed.allSatisfy({ isDigit($0) || isUpper($0) }) {
            return true
        }
        let hasDigit = trimmed.contains(where: isDigit)
        let hasLetter = trimmed.contains(where: isLetter)
        return hasDigit && hasLetter && trimmed.count >= 8
            && trimmed.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }
    }
}

extension String {
    func trimmingSuffix(_ characters: String) -> String {
        var copy = self
        while let last = copy.last, characters.contains(last) { copy.removeLast() }
        return copy
    }
}
