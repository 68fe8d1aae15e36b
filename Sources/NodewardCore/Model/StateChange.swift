/// The one definition of a state-changing step (a "sink"): a data or memory write, or a tool call whose
/// effect is a write, that reaches the network, or that writes a resource. Analysis, inference and
/// policy generation all ask this, so that a write means the same thing in every report.
public enum StateChange {
    public static func isStateChanging(
        kind: StepKind, operation: String, declaredEffects: [String: ToolEffect], reachesNetwork: Bool, writesResource: Bool
    ) -> Bool {
        switch kind {
        case .dataWrite, .memoryWrite: return true
        case .toolCall:
            return reachesNetwork || writesResource
                || ToolEffectInference.effect(of: operation, declared: declaredEffects) == .write
        default: return false
        }
    }
}
