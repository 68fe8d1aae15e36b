/// Candidate values for provenance matching: the strings in a step's arguments and results that are
/// specific enough that seeing one again in a later step means data flowed (not coincidence).
enum ValueTokens {
    static let minimumLength = 6

    /// A whole short string if it is specific; from longer text, e-mail addresses, URLs, IBAN-like tokens
    /// and long identifiers.
    static func candidates(in text: String, into out: inout Set<String>) {
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

extension String {
    func trimmingSuffix(_ characters: String) -> String {
        var copy = self
        while let last = copy.last, characters.contains(last) { copy.removeLast() }
        return copy
    }
}
