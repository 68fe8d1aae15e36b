import NodewardCore

/// The four agent jobs the sample fleet runs. Each tenant runs two to four of them.
enum Workflow: String, Sendable, CaseIterable {
    case inboxTriage = "inbox-triage"
    case crmEnrichment = "crm-enrichment"
    case supportTicketSummary = "support-ticket-summary"
    case invoiceProcessing = "invoice-processing"

    var agent: String {
        switch self {
        case .inboxTriage: return "inbox-assistant"
        case .crmEnrichment: return "crm-agent"
        case .supportTicketSummary: return "support-agent"
        case .invoiceProcessing: return "finance-agent"
        }
    }
}

/// The trace format a tenant's platform exports.
public enum FleetTraceFormat: String, Sendable, CaseIterable {
    /// OpenTelemetry OTLP/JSON (Collector file-exporter line form, plus one single-document file).
    case otlp
    /// Nodeward JSONL.
    case jsonl
    /// Per tenant, as the fleet describes: acme, initech, hooli in OTLP; globex, umbrella in JSONL.
    case mixed
}

/// What one tenant looks like to the simulation: its sandbox (the single source of truth for the YAML
/// and for legacy decisions) plus the facts an agent platform would know about it.
struct TenantProfile: Sendable {
    var sandbox: TenantSandbox
    var domain: String
    var model: String
    var provider: String
    var modelHost: String
    var workflows: [Workflow]
    /// JWT subjects of the tenant's users.
    var users: [String]
    var crmSchema: String
    var artifactsPrefix: String
    var ledgerSchema: String
    /// The format under `--format mixed`.
    var mixedFormat: FleetTraceFormat
    /// The dialect the tenant's config is written in (`--dialects`).
    var dialect: String = DialectName.tenantAgentSandbox

    /// The operation a tool call of `tool` records: MCP-named for dialects that name tools that way.
    func operation(ofTool tool: String) -> String {
        DialectConfigWriter.usesMCPNames(dialect) ? DialectConfigWriter.mcpName(tool) : tool
    }

    var id: String { sandbox.tenantId }

    var memoryNamespace: String { sandbox.memory?.namespace ?? id }

    /// The vector partition this tenant's retrievals carry.
    var vectorResource: Resource {
        guard let index = sandbox.vectorIndex else { return Resource(scheme: .vector, container: "\(id)-docs") }
        if let field = index.tenantKeyField, let value = index.tenantKeyValue {
            return .vector(index.collection, field: field, value: value)
        }
        return Resource(scheme: .vector, container: index.collection)
    }

    func principal(subject: String) -> Principal {
        guard let issuer = sandbox.identity?.issuers.first else { return Principal(subject: subject) }
        var claims: [String: String] = [:]
        if let claim = issuer.tenantClaim, let value = issuer.tenantClaimValues.first { claims[claim] = value }
        // Gateways log the issuer and the tenant claim; the audience is checked but not logged.
        return Principal(issuer: issuer.issuer, subject: subject, claims: claims)
    }
}
