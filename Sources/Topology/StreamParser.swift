import HubCore
import Yams

/// Reads and checks one `stream:` document.
struct StreamParser {
    let reader: YAMLReader
    let tables: [String: CodeTable]

    func parse(_ root: Node, _ top: [(key: String, keyNode: Node, value: Node)]) -> StreamDefinition? {
        let name = reader.string(top["stream"], "stream")
        let typeNode = reader.required(top, "record_type", in: root, "the stream")
        var recordType: RecordType?
        if let typeNode {
            recordType = typeNode.scalar.flatMap { RecordType(rawValue: $0.string) }
            if recordType == nil {
                reader.issue(typeNode, "record_type must be one of: " + RecordType.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        let source = reader.string(reader.required(top, "source_topic", in: root, "the stream"), "source_topic")
        let output = reader.string(reader.required(top, "output_topic", in: root, "the stream"), "output_topic")
        let description = top["description"].flatMap { reader.string($0, "description") } ?? ""
        let owner = top["owner"].flatMap { reader.string($0, "owner") } ?? ""
        guard let recordType else { return nil }

        let fields = parseFields(reader.required(top, "fields", in: root, "the stream"), recordType)
        let dialects = parseDialects(reader.required(top, "dialects", in: root, "the stream"), fields)
        let aggregates = parseAggregates(top["aggregates"], fields, recordType)
        let monitors = parseMonitors(top["monitors"], fields, recordType)
        guard let name, let source, let output else { return nil }
        var stream = StreamDefinition(name: name, description: description, owner: owner, recordType: recordType,
                                      sourceTopic: source, outputTopic: output, fields: fields, dialects: dialects,
                                      aggregates: aggregates, file: reader.file)
        stream.monitors = monitors
        return stream
    }

    private func parseFields(_ node: Node?, _ type: RecordType) -> [FieldDefinition] {
        let known = StandardFields.known(for: type)
        var fields: [FieldDefinition] = []
        for (name, keyNode, value) in reader.mapping(node, "fields") {
            guard let expected = known[name] else {
                reader.issue(keyNode, "\"\(name)\" is not a standard field of \(type.rawValue) records (known: \(known.keys.sorted().joined(separator: ", ")))")
                continue
            }
            let entries = reader.mapping(value, "field \"\(name)\"", allowedKeys: ["kind", "required", "meaning", "domain", "max"])
            if let k = entries["kind"] {
                if let parsed = k.scalar.flatMap({ FieldKind(rawValue: $0.string) }) {
                    // Keep the expected kind so one wrong word is one issue, not one per use.
                    if parsed != expected { reader.issue(k, "field \"\(name)\" must be of kind \(expected.rawValue), not \(parsed.rawValue)") }
                } else {
                    reader.issue(k, "unknown kind; known: " + FieldKind.allCases.map(\.rawValue).joined(separator: ", "))
                }
            }
            let required = entries["required"].flatMap { reader.bool($0, "required") } ?? false
            let meaning = entries["meaning"].flatMap { reader.string($0, "meaning") } ?? ""
            let domain = entries["domain"].flatMap { reader.string($0, "domain") }
            var maximum: Int64?
            if let maxNode = entries["max"] {
                if expected != .count {
                    reader.issue(maxNode, "field \"\(name)\" is not a count; max applies to counts only")
                } else if let text = reader.string(maxNode, "max"), let n = Int64(text), n >= 0, n <= 1_000_000_000 {
                    maximum = n
                } else {
                    reader.issue(maxNode, "max must be an integer from 0 to 1000000000")
                }
            }
            fields.append(FieldDefinition(name: name, kind: expected, required: required, meaning: meaning, domain: domain,
                                          maximum: maximum))
        }
        for essential in StandardFields.essential(for: type) where !fields.contains(where: { $0.name == essential }) {
            reader.issue(node, "\(type.rawValue) streams need the field \"\(essential)\"")
        }
        return fields
    }

    private func parseDialects(_ node: Node?, _ fields: [FieldDefinition]) -> [Dialect] {
        var dialects: [Dialect] = []
        for (dialectName, keyNode, value) in reader.mapping(node, "dialects") {
            var mappings: [String: FieldMapping] = [:]
            var sourceNames: [String: String] = [:]
            for (fieldName, fieldKey, mappingNode) in reader.mapping(value, "dialect \"\(dialectName)\"") {
                guard let field = fields.first(where: { $0.name == fieldName }) else {
                    reader.issue(fieldKey, "dialect \"\(dialectName)\" maps \"\(fieldName)\", which is not among the stream's fields")
                    continue
                }
                guard let mapping = parseMapping(field, mappingNode, dialectName) else { continue }
                if let other = sourceNames[mapping.from] {
                    reader.issue(mappingNode, "dialect \"\(dialectName)\" reads \"\(mapping.from)\" for both \"\(other)\" and \"\(fieldName)\"")
                }
                sourceNames[mapping.from] = fieldName
                mappings[fieldName] = mapping
            }
            for field in fields where field.required && mappings[field.name] == nil {
                reader.issue(keyNode, "dialect \"\(dialectName)\" does not map the required field \"\(field.name)\"")
            }
            guard let school = fields.first(where: { $0.kind == .school }), let schoolMapping = mappings[school.name] else {
                reader.issue(keyNode, "dialect \"\(dialectName)\" needs a school code field: its presence selects the dialect")
                continue
            }
            dialects.append(Dialect(name: dialectName, mappings: mappings, schoolField: schoolMapping.from))
        }
        if dialects.isEmpty, reader.issues.isEmpty { reader.issue(node, "a stream needs at least one dialect") }
        return dialects
    }

    private func parseMapping(_ field: FieldDefinition, _ node: Node, _ dialect: String) -> FieldMapping? {
        let what = "\"\(field.name)\" in dialect \"\(dialect)\""
        if node.scalar != nil {
            guard let from = reader.string(node, what) else { return nil }
            switch field.kind {
            case .code: reader.issue(node, "\(what) is a code field: write { from: \(from), codes: TABLE }")
            case .date, .timestamp: reader.issue(node, "\(what) needs a layout: write { from: \(from), format: \"…\" }")
            default: break
            }
            return FieldMapping(from: from, codes: nil, format: nil)
        }
        let entries = reader.mapping(node, what, allowedKeys: ["from", "codes", "format"])
        guard let from = reader.string(reader.required(entries, "from", in: node, what), "from") else { return nil }
        var mapping = FieldMapping(from: from, codes: nil, format: nil)
        if let codesNode = entries["codes"] {
            if field.kind != .code { reader.issue(codesNode, "\(what) is not a code field; codes do not apply") }
            if let tableName = reader.string(codesNode, "codes") {
                if let table = tables[tableName] {
                    mapping.codes = table
                } else {
                    reader.issue(codesNode, "unknown code table \"\(tableName)\" (defined: \(tables.keys.sorted().joined(separator: ", ")))")
                }
            }
        } else if field.kind == .code {
            reader.issue(node, "\(what) is a code field and needs `codes: TABLE`")
        }
        if let formatNode = entries["format"] {
            if field.kind != .date && field.kind != .timestamp {
                reader.issue(formatNode, "\(what) is not a date or time; format does not apply")
            } else if let text = reader.string(formatNode, "format") {
                if let pattern = DateTimePattern(text) {
                    if field.kind == .date && pattern.hasTime { reader.issue(formatNode, "\(what) is a date; its format must not have a time") }
                    if field.kind == .timestamp && !pattern.hasTime { reader.issue(formatNode, "\(what) is a time; its format needs hh:mm:ss or iso8601") }
                    mapping.format = pattern
                } else {
                    reader.issue(formatNode, "format \"\(text)\" is not understood (use YYYY, MM/M, DD/D, hh/h, mm/m, ss/s and literals, or iso8601)")
                }
            }
        } else if field.kind == .date || field.kind == .timestamp {
            reader.issue(node, "\(what) needs `format: …`")
        }
        return mapping
    }

    private func parseAggregates(_ node: Node?, _ fields: [FieldDefinition], _ recordType: RecordType) -> [AggregateDefinition] {
        var out: [AggregateDefinition] = []
        for (table, keyNode, value) in reader.mapping(node, "aggregates") {
            if !isPlainIdentifier(table) { reader.issue(keyNode, "aggregate table name \"\(table)\" must be lower-case letters, digits and _") }
            let entries = reader.mapping(value, "aggregate \"\(table)\"", allowedKeys: ["description", "levels", "filter", "group_by", "measures"])
            var levels = RegionLevel.allCases
            if let levelsNode = entries["levels"] {
                levels = reader.sequence(levelsNode, "levels").compactMap { n in
                    guard let l = n.scalar.flatMap({ RegionLevel(rawValue: $0.string) }) else {
                        reader.issue(n, "unknown level; known: province, city, county, school")
                        return nil
                    }
                    return l
                }
            }
            var filter: [(String, [Int16])] = []
            for (fieldName, fk, codesNode) in reader.mapping(entries["filter"], "filter") {
                guard let f = fields.first(where: { $0.name == fieldName }), f.kind == .code else {
                    reader.issue(fk, "filter field \"\(fieldName)\" must be a code field of the stream")
                    continue
                }
                let codes = reader.sequence(codesNode, "filter codes").compactMap { n -> Int16? in
                    guard let c = n.scalar.flatMap({ Int16($0.string) }) else {
                        reader.issue(n, "filter codes must be integers")
                        return nil
                    }
                    return c
                }
                filter.append((fieldName, codes))
            }
            var groupBy: [(String, String)] = []
            for (column, ck, fieldNode) in reader.mapping(entries["group_by"], "group_by") {
                if !isPlainIdentifier(column) { reader.issue(ck, "column name \"\(column)\" must be lower-case letters, digits and _") }
                guard let fieldName = reader.string(fieldNode, "group_by field") else { continue }
                guard let f = fields.first(where: { $0.name == fieldName }), f.kind == .code || f.kind == .date else {
                    reader.issue(fieldNode, "group_by field \"\(fieldName)\" must be a code or date field of the stream")
                    continue
                }
                groupBy.append((column, fieldName))
            }
            var measures: [(String, AggregateDefinition.Measure)] = []
            for (column, ck, m) in reader.mapping(entries["measures"], "measures") {
                if !isPlainIdentifier(column) { reader.issue(ck, "column name \"\(column)\" must be lower-case letters, digits and _") }
                guard let text = reader.string(m, "measure") else { continue }
                if text == "count" {
                    measures.append((column, .count))
                } else if text.hasPrefix("sum(") && text.hasSuffix(")") {
                    let fieldName = String(text.dropFirst(4).dropLast())
                    if fields.first(where: { $0.name == fieldName })?.kind == .count {
                        measures.append((column, .sum(fieldName)))
                    } else {
                        reader.issue(m, "sum(\(fieldName)): \"\(fieldName)\" is not a count field of the stream")
                    }
                } else {
                    reader.issue(m, "measure must be `count` or `sum(FIELD)`")
                }
            }
            if measures.isEmpty { reader.issue(keyNode, "aggregate \"\(table)\" needs at least one measure") }
            let description = entries["description"].flatMap { reader.string($0, "description") } ?? ""
            out.append(AggregateDefinition(table: table, description: description, recordType: recordType, levels: levels, filter: filter,
                                           groupBy: groupBy, measures: measures))
        }
        return out
    }
}
