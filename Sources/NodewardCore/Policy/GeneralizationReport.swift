/// The strictness trade-off measured on held-out runs (docs/policy-language.md, "Generalization"):
/// one row per split × strictness. Counts only; rule ids, never payloads.
public struct GeneralizationReport: Sendable, Hashable, Codable {
    public var folds: Int
    public var timeShare: Double
    /// The incident kinds scored as attacks; runs in other incidents are neither benign nor attacks.
    public var attackKinds: [String]
    public var trainOnAttacks: Bool
    public var runs: RunCounts
    /// Incident ids whose `tenant`/`run` is not among the runs read (their runs count as unlabelled).
    public var labelsWithoutRun: [String]
    public var rows: [Row]

    public struct RunCounts: Sendable, Hashable, Codable {
        /// Runs with at least one step.
        public var total = 0
        public var benign = 0
        public var attack = 0
        /// Runs in an incident of a kind that is not an attack (trained on like benign runs, never scored).
        public var otherIncident = 0
    }

    public struct Row: Sendable, Hashable, Codable {
        public var split: HoldoutSplit
        public var strictness: PolicyStrictness
        /// Trainings (folds) the row sums over.
        public var trainings: Int
        public var benignRuns = 0
        /// Benign runs every scored step of which the node policies allow.
        public var fullyAllowed = 0
        public var fullyAllowedShare = 0.0
        /// Benign runs with no scored step denied (unevaluable steps allowed to stand).
        public var withoutDeny = 0
        public var withoutDenyShare = 0.0
        /// Scored steps: the steps of held-out benign runs that the legacy sandbox let execute.
        public var benignSteps = 0
        public var falseDenies = 0
        public var falseDeniesPer1000 = 0.0
        /// Scored steps the node policies could not decide (the trace lacks the arguments a rule needs).
        public var unevaluable = 0
        public var unevaluablePer1000 = 0.0
        public var attackRuns = 0
        /// Attack runs with at least one labelled (malicious) step denied.
        public var attacksStopped = 0
        public var stoppedShare = 0.0
        public var byKind: [KindOutcome] = []
        /// The deny rules behind most false denies, most first (ties by rule id).
        public var falseDenyRules: [RuleCount] = []

        public init(split: HoldoutSplit, strictness: PolicyStrictness, trainings: Int) {
            self.split = split
            self.strictness = strictness
            self.trainings = trainings
        }
    }

    public struct KindOutcome: Sendable, Hashable, Codable {
        public var kind: String
        public var runs: Int
        public var stopped: Int
    }

    public struct RuleCount: Sendable, Hashable, Codable {
        public var rule: String
        public var count: Int
    }

    public func row(_ split: HoldoutSplit, _ strictness: PolicyStrictness) -> Row? {
        rows.first { $0.split == split && $0.strictness == strictness }
    }

    public func document() -> Document {
        var doc = Document()
        doc.heading("Policy generalization on held-out runs")
        doc.paragraph("\(runs.total.grouped) runs: \(runs.benign.grouped) benign, \(runs.attack.grouped) attacks "
            + "(\(attackKinds.joined(separator: ", "))), \(runs.otherIncident.grouped) in other incidents (trained on, not scored). "
            + "Held out: " + Set(rows.map(\.split)).sorted().map(describe).joined(separator: "; ") + ". "
            + (trainOnAttacks ? "Every attack run is also in every training run set (in-sample, --train-on-attacks)." : "Attack runs are never trained on."))
        var table = TextTable(headers: ["split", "strictness", "benign runs", "fully allowed", "no deny", "false denies /1k steps",
                                        "unevaluable /1k steps", "attack runs", "stopped"])
        for row in rows {
            table.rows.append([row.split.rawValue, row.strictness.rawValue, row.benignRuns.grouped, row.fullyAllowedShare.percent,
                               row.withoutDenyShare.percent,
                               Self.decimal(row.falseDeniesPer1000), Self.decimal(row.unevaluablePer1000),
                               row.attackRuns.grouped, "\(row.attacksStopped)/\(row.attackRuns) (\(row.stoppedShare.percent))"])
        }
        doc.table(table)
        doc.heading("Attacks stopped by kind", level: 3)
        let kinds = Set(rows.flatMap { $0.byKind.map(\.kind) }).sorted()
        var byKind = TextTable(headers: ["split", "strictness"] + kinds)
        for row in rows {
            byKind.rows.append([row.split.rawValue, row.strictness.rawValue] + kinds.map { kind in
                row.byKind.first { $0.kind == kind }.map { "\($0.stopped)/\($0.runs)" } ?? "-"
            })
        }
        doc.table(byKind)
        doc.heading("Rules behind false denies", level: 3)
        var rules = TextTable(headers: ["split", "strictness", "rule", "false denies"])
        for row in rows {
            for rule in row.falseDenyRules { rules.rows.append([row.split.rawValue, row.strictness.rawValue, rule.rule, rule.count.grouped]) }
        }
        doc.table(rules)
        if !labelsWithoutRun.isEmpty {
            doc.paragraph("Incidents whose run was not read: \(labelsWithoutRun.joined(separator: ", ")).")
        }
        return doc
    }

    func describe(_ split: HoldoutSplit) -> String {
        switch split {
        case .time: return "time = the latest \(Int((timeShare * 100).rounded()))% of each workflow's runs"
        case .variant: return "variant = \(folds) folds of whole run shapes"
        case .kfold: return "kfold = \(folds) folds of runs"
        }
    }

    /// One decimal, locale-independent: `12.3`.
    static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
