import NodewardCore

/// The small world the sample agents live in: people, companies, vendors, topics. Values drawn here
/// flow from results into later arguments, as real agent data does.
enum Vocabulary {
    static let firstNames = ["dana", "lee", "ravi", "jo", "mia", "omar", "sara", "tom", "yuki", "ines", "kofi", "lena"]
    static let partnerDomains = ["northwind.example", "contoso.example", "fabrikam.example", "tailspin.example"]
    static let topics = ["offsite", "Q4 forecast", "contract renewal", "onboarding", "security review", "pricing", "roadmap", "invoice question"]
    static let newsletters = ["weekly digest", "product update", "webinar invite"]
    static let companies = ["Initrode", "Vandelay", "Soylent", "Stark Logistics", "Wayne Foods", "Cyberdyne", "Tyrell", "Wonka"]
    static let industries = ["logistics", "food", "robotics", "manufacturing", "retail", "biotech"]
    static let ticketCategories = ["billing", "login", "export", "api-errors", "performance"]
    static let vendors = ["Papercut Supply", "Dunder Paper", "Blue Sun", "Monarch Cloud", "Oceanic Freight"]
    static let ibanPrefixes = ["DE89370400440532", "FR761254800000", "NL91ABNA041716", "GB29NWBK601613"]

    static func slug(_ text: String) -> String {
        text.lowercased().replacingOccurrences(of: " ", with: "-")
    }

    static func website(_ company: String) -> String { "https://www.\(slug(company)).example/about" }

    static func iban(_ rng: inout SeededGenerator) -> String {
        let prefix = rng.pick(ibanPrefixes)
        var digits = ""
        for _ in 0..<(22 - prefix.count + 4) { digits += String(rng.below(10)) }
        return prefix + digits
    }

    static func messageId(_ rng: inout SeededGenerator) -> String { "m-" + rng.hex(8) }
}

/// JSON literal helpers, so scripts read like the payloads they build.
extension JSONValue {
    static func obj(_ members: [String: JSONValue]) -> JSONValue { .object(members) }
    static func str(_ text: String) -> JSONValue { .string(text) }
    static func num(_ number: Int) -> JSONValue { .int(Int64(number)) }
    static func strs(_ texts: [String]) -> JSONValue { .array(texts.map(JSONValue.string)) }
}
