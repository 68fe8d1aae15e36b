import json
T0 = 1793527200000000000  # 2026-11-01T10:00:00Z
def ns(sec): return str(T0 + int(round(sec*1e9)))
resource = {"attributes": [
  {"key": "service.name", "value": {"stringValue": "claude-code"}},
  {"key": "service.version", "value": {"stringValue": "2.0.14"}},
  {"key": "os.type", "value": {"stringValue": "linux"}}]}
common = {"session.id": "5d0f6c1e-4a0b-4c53-9a57-2f4b0c1d9e21", "organization.id": "org-acme",
          "user.account_uuid": "8a7c0f2e-1b3d-4e5f-9a6b-7c8d9e0f1a2b", "user.email": "dev@acme.example",
          "terminal.type": "vscode", "app.version": "2.0.14"}
def rec(event, sec, turn, **attrs):
    a = dict(common); a["prompt.id"] = turn; a["event.name"] = event
    a["event.timestamp"] = "2026-11-01T10:00:%06.3fZ" % sec
    a.update(attrs)
    return {"timeUnixNano": ns(sec), "observedTimeUnixNano": ns(sec + 0.002),
            "severityNumber": 9, "severityText": "INFO",
            "body": {"stringValue": "claude_code." + event},
            "attributes": [{"key": k, "value": {"stringValue": v}} for k, v in a.items()]}
def export(*records):
    return {"resourceLogs": [{"resource": resource, "scopeLogs": [{
        "scope": {"name": "com.anthropic.claude_code.events", "version": "2.0.14"}, "logRecords": list(records)}]}]}
P1 = "b1c2d3e4-0001-4000-8000-000000000001"
lines = [
  export(rec("user_prompt", 0.0, P1, prompt_length="47", prompt="Run the tests, then read the README from GitHub"),
         rec("api_request", 2.5, P1, model="claude-sonnet-4-5-20250929", input_tokens="1200", output_tokens="85",
             cache_read_tokens="0", cache_creation_tokens="0", cost_usd="0.0049", duration_ms="2300")),
  export(rec("tool_decision", 3.0, P1, tool_name="Bash", decision="accept", source="user_temporary", tool_use_id="toolu_01A")),
  export(rec("tool_result", 5.0, P1, tool_name="Bash", success="true", duration_ms="1800", decision_type="accept",
             decision_source="user_temporary", tool_result_size_bytes="912", tool_use_id="toolu_01A",
             tool_parameters=json.dumps({"bash_command": "npm", "full_command": "npm test", "description": "Run the test suite"}))),
  export(rec("tool_decision", 6.0, P1, tool_name="Edit", decision="reject", source="user_reject", tool_use_id="toolu_02B")),
  export(rec("tool_decision", 7.0, P1, tool_name="mcp__github__get_file_contents", decision="accept", source="config", tool_use_id="toolu_03C"),
         rec("tool_result", 7.4, P1, tool_name="mcp__github__get_file_contents", success="true", duration_ms="350",
             decision_type="accept", decision_source="config", tool_result_size_bytes="4096", mcp_server_scope="user", tool_use_id="toolu_03C",
             tool_parameters=json.dumps({"mcp_server_name": "github", "mcp_tool_name": "get_file_contents"}))),
]
with open("session.jsonl", "w") as f:
    for line in lines: f.write(json.dumps(line, separators=(",", ":")) + "\n")
merged = export(*[r for line in lines for r in line["resourceLogs"][0]["scopeLogs"][0]["logRecords"]])
with open("session.json", "w") as f:
    json.dump(merged, f, indent=2); f.write("\n")
