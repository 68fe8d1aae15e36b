import Foundation

/// Hands decoded records to the run assembler: OTLP spans keyed by trace id, JSONL records by tenant and
/// run. Each record that is not kept is counted under exactly one code.
extension TraceReadSession {
    /// The run id of an MCP session read as a run (docs/formats.md, "Current GenAI conventions").
    static let mcpSessionRunPrefix = "mcp-session:"

    func handleOTLP(_ value: JSONValue, source: SourceLocation) {
        apply(.otlp(lineDecoder.otlpItems(value, source: source)), source: source)
    }

    /// Applies one decoded line: counts, skips and records, exactly as if it had just been read.
    func apply(_ line: DecodedLine, source: SourceLocation) {
        switch line {
        case .tooLong(let bytes):
            collector.skip(
                .traceLineTooLong, "line is \(bytes) bytes, over maxLineBytes (\(options.maxLineBytes)); skipped", at: source)
        case .invalidJSON(let message, let terminated):
            if terminated {
                collector.skip(.traceJSON, "line is not valid JSON: \(message)", at: source)
            } else {
                collector.skip(.traceTruncated, "the last line ends without a newline and is not complete JSON", at: source)
            }
        case .jsonlNotObject(let typeName):
            collector.addRecord(file: source.file)
            _ = assembler.tick()
            collector.skip(.traceInvalidValue, "line is \(typeName), expected a JSON object", at: source)
        case .jsonl(let decoded):
            handleJSONL(decoded, source: source)
        case .transcript(let members):
            handleTranscript(members, index: source.line - 1, source: source)
        case .claudeLogs(let members):
            handleClaudeLogs(members, source: source)
        case .agentsSDK(let value):
            handleAgentsSDK(AgentsSDKTraceMapper.lineItems(value), source: source)
        case .otlp(let items):
            for item in items {
                switch item {
                case .skip(let code, let message): collector.skip(code, message, at: source)
                case .span(let decoded): handleSpan(decoded, source: source)
                }
            }
        }
    }

    private func handleSpan(_ decoded: OTLPSpanDecoding, source: SourceLocation) {
        collector.addRecord(file: source.file)
        let sequence = assembler.tick()
        var record: OTLPSpanRecord
        switch decoded {
        case .invalid(let code, let message):
            collector.skip(code, message, at: source)
            return
        case .record(let decoded):
            record = decoded
        }
        if let raw = record.tenant {
            guard let tenant = normalizedTenant(raw, source: source) else { return }
            record.tenant = tenant
        }
        // A root MCP span with a session id and no propagated context: the session is its run, and so
        // for the rest of its trace.
        var runId = assembler.runId(forTrace: record.traceId)
        if let session = record.mcpSessionRoot {
            runId = Self.mcpSessionRunPrefix + session
            assembler.alias(trace: record.traceId, toRun: runId)
        }
        guard let (run, newTenant) = assembler.placeOTLP(traceId: runId, tenant: record.tenant, sequence: sequence, source: source) else {
            collector.skip(
                .traceLateSpan, "span \(record.spanId) of trace \(record.traceId) arrived after its run was closed; raise runIdleRecords (\(options.runIdleRecords))",
                at: source, severity: .warning)
            return
        }
        if newTenant {
            collector.warn(
                .traceMixedTenants,
                "trace \(record.traceId) has spans of more than one tenant; each tenant's spans are read as a run of their own (a run is tenant and trace id)",
                at: source)
        }
        guard run.stepIds.insert(record.spanId).inserted else {
            collector.skip(.traceDuplicateStep, "span \(record.spanId) appears twice in trace \(record.traceId); the later one is skipped", at: source, severity: .warning)
            return
        }
        run.noteSpanTimes(start: record.startNanos, end: record.endNanos)
        if run.firstServiceName == nil { run.firstServiceName = record.serviceName }
        if run.resourceWorkflow == nil { run.resourceWorkflow = record.resourceWorkflow }
        for (id, content) in record.toolCalls { run.toolCalls[id, default: OTLPToolCallContent()].merge(content) }
        switch record.role {
        case .agent(let name, let workflow, let userRequest):
            let isRoot = record.parentSpanId == nil
            if run.agentSpan == nil || (isRoot && run.agentSpan?.isRoot == false) {
                run.agentSpan = (name, workflow, userRequest, record.tenant, record.serviceName, isRoot)
            }
            if let name, !name.isEmpty { run.agentNames[record.spanId] = name }
            run.linkParents[record.spanId] = .some(nil)
        case .runLevel(let workflow, let conventionWorkflow, let userRequest):
            if run.runLevelWorkflow == nil { run.runLevelWorkflow = workflow }
            if run.runLevelConventionWorkflow == nil { run.runLevelConventionWorkflow = conventionWorkflow }
            if run.runLevelRequest == nil { run.runLevelRequest = userRequest }
            if run.runLevelTenant == nil { run.runLevelTenant = record.tenant }
            run.linkParents[record.spanId] = .some(nil)
        case .skipped(let code, let message):
            collector.skip(code, message, at: source, severity: code == .traceUnknownOperation ? .warning : .error)
            run.linkParents[record.spanId] = .some(record.parentSpanId)
        case .structure(let note):
            if let note { collector.skip(note.code, note.message, at: source, severity: .warning) }
            run.linkParents[record.spanId] = .some(record.parentSpanId)
            for warning in record.warnings { collector.warn(warning.code, warning.message, at: source) }
        case .guardrail(let guardrail):
            run.linkParents[record.spanId] = .some(record.parentSpanId)
            if let problem = guardrail.unreadable {
                collector.warn(.traceInvalidValue, problem + "; no legacy decision recorded from it", at: source)
                return
            }
            run.guardrails.append(PendingGuardrail(
                guardrail: guardrail, spanId: record.spanId, parentSpanId: record.parentSpanId, startNanos: record.startNanos, source: source))
        case .step(let step):
            run.steps.append(PendingStep(
                step: step, sequence: sequence, parentSpanId: record.parentSpanId, tenant: record.tenant,
                toolCallId: record.toolCallId, isMCPToolCall: record.isMCPToolCall))
            for warning in record.warnings { collector.warn(warning.code, warning.message, at: source) }
        }
    }

    /// A record's tenant id in NFC (the one rule, `Identifier`); nil, with the record skipped and counted
    /// (`trace.invalid-id`), when it holds invisible or control characters.
    private func normalizedTenant(_ raw: String, source: SourceLocation) -> String? {
        if let last = lastTenant, last.raw.utf8.elementsEqual(raw.utf8) { return last.normalized }
        switch Identifier.normalize(raw) {
        case .success(let tenant):
            lastTenant = (raw, tenant)
            if let earlier = tenantCase.note(tenant) {
                collector.warn(
                    .traceConfusableTenant,
                    "tenant \"\(tenant)\" differs only by case from tenant \"\(earlier)\" read earlier; they are two tenants: fix the tenant attribute if they are the same",
                    at: source)
            }
            return tenant
        case .failure(let problem):
            collector.skip(.traceInvalidId, Identifier.describe(problem, what: "the tenant id") + "; the record is skipped", at: source)
            return nil
        }
    }

    /// An array of chat transcripts (a whole document, or one line): each item one run, by its position.
    func handleTranscripts(_ transcripts: [JSONValue], source: SourceLocation) {
        for (index, transcript) in transcripts.enumerated() {
            guard case .object(let members) = transcript else {
                collector.addRecord(file: source.file)
                collector.skip(.traceInvalidValue, "transcript \(index + 1) is \(transcript.typeName), expected an object", at: source)
                continue
            }
            handleTranscript(members, index: index, source: source)
        }
    }

    /// One chat transcript: mapped onto JSONL records (a run header and its steps), each then handled as a
    /// JSONL line at the transcript's location. A transcript that cannot be mapped is one counted skip.
    func handleTranscript(_ members: [String: JSONValue], index: Int, source: SourceLocation) {
        let stem = ((source.file as NSString).lastPathComponent as NSString).deletingPathExtension
        switch ChatTranscriptMapper(mapping: options.transcriptMapping, parser: options.parser).map(members, index: index, fileStem: stem) {
        case .skip(let code, let message):
            collector.addRecord(file: source.file)
            _ = assembler.tick()
            collector.skip(code, message, at: source)
        case .records(let records, let dropped):
            for message in dropped { collector.warn(.traceInvalidValue, message, at: source) }
            for record in records { handleJSONL(record, source: source) }
        }
    }

    /// One OTLP logs export of Claude Code events: each mapped record is handled as a JSONL line at the
    /// location of the log record it came from; records that cannot be mapped are counted skips.
    func handleClaudeLogs(_ members: [String: JSONValue], source: SourceLocation) {
        applyClaudeLogs(claudeLogs.map(export: members, source: source))
    }

    /// The records the Claude Code mapper still holds (calls without a result, requests), at the read's end.
    func finishClaudeLogs() {
        applyClaudeLogs(claudeLogs.finish())
    }

    private func applyClaudeLogs(_ outputs: [ClaudeCodeLogMapper.Output]) {
        for output in outputs {
            switch output {
            case .record(let record, let at):
                handleJSONL(record, source: at)
            case .skip(let code, let message, let at):
                collector.addRecord(file: at.file)
                _ = assembler.tick()
                collector.skip(code, message, at: at)
            }
        }
    }

    func handleJSONL(_ members: [String: JSONValue], source: SourceLocation) {
        handleJSONL(lineDecoder.jsonlDecoder.decode(members, source: source), source: source)
    }

    private func handleJSONL(_ decoded: Result<JSONLRecord, JSONLSkip>, source: SourceLocation) {
        collector.addRecord(file: source.file)
        let sequence = assembler.tick()
        var record: JSONLRecord
        switch decoded {
        case .failure(let skip):
            collector.skip(skip.code, skip.message, at: source)
            return
        case .success(let decoded):
            record = decoded
        }
        let runId: String
        let raw: String
        switch record {
        case .step(let step, _): (raw, runId) = (step.tenant, step.runId)
        case .run(let header): (raw, runId) = (header.tenant, header.run)
        }
        guard let tenant = normalizedTenant(raw, source: source) else { return }
        // Byte comparison: Swift's == holds for canonically equivalent strings, which is the point of NFC.
        if !tenant.utf8.elementsEqual(raw.utf8) {
            switch record {
            case .step(var step, let warnings):
                step.tenant = tenant
                record = .step(step, warnings: warnings)
            case .run(var header):
                header.tenant = tenant
                record = .run(header)
            }
        }
        guard let run = assembler.place(key: "j\u{1F}" + tenant + "\u{1F}" + runId, runId: runId, isOTLP: false, sequence: sequence, source: source) else {
            collector.skip(
                .traceLateSpan, "record for run \(runId) arrived after the run was closed; raise runIdleRecords (\(options.runIdleRecords))",
                at: source, severity: .warning)
            return
        }
        run.jsonlTenant = tenant
        switch record {
        case .step(let step, let warnings):
            guard run.stepIds.insert(step.stepId).inserted else {
                collector.skip(.traceDuplicateStep, "step \(step.stepId) appears twice in run \(runId); the later one is skipped", at: source, severity: .warning)
                return
            }
            run.steps.append(PendingStep(step: step, sequence: sequence, parentSpanId: nil, tenant: tenant))
            for warning in warnings { collector.warn(.traceInvalidValue, warning, at: source) }
        case .run(let header):
            if var existing = run.header {
                existing.agent = existing.agent ?? header.agent
                existing.workflow = existing.workflow ?? header.workflow
                existing.request = existing.request ?? header.request
                run.header = existing
            } else {
                run.header = header
            }
        }
    }
}
