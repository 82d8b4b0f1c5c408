import HubCore

/// `text/csv` (RFC 4180): a header line of field names, then one record per row.
///
/// Header names are trimmed of ASCII whitespace; values are kept exactly as written (they are
/// trimmed later, in standardisation). A record's row is its 1-based data record index (the
/// header and skipped empty lines do not count). A row with a different number of fields than
/// the header, or with broken quoting, is malformed on its own. If the header itself is
/// unusable (broken quoting, duplicate names) every row is malformed, since none can be read.
/// A quote left open in the header swallows the rest of the value, so there are no rows to
/// quarantine one by one: the whole value is malformed instead of silently yielding nothing.
enum CSVFormat: RecordFormat {
    static let mediaType = "text/csv"

    static func records(in text: [UInt8]) throws(DecodingFailure) -> [DecodedRecord] {
        var reader = CSVReader(text)
        guard let header = reader.next() else { return [] }
        let names: [String]
        var headerProblem: String?
        switch header.fields {
        case .success(let fields):
            names = fields.map { $0.trimmingASCIIWhitespace() }
            // The same name is the same bytes, as in JSON objects and the standardiser.
            if Set(names.map { Array($0.utf8) }).count != names.count { headerProblem = "duplicate CSV header name" }
        case .failure(.unterminatedQuote):
            throw .malformed("invalid CSV header: " + CSVSyntaxError.unterminatedQuote.detail)
        case .failure(let error):
            names = []
            headerProblem = "invalid CSV header: " + error.detail
        }

        var records: [DecodedRecord] = []
        var row: Int32 = 0
        while let record = reader.next(expectedFields: names.count) {
            row &+= 1
            let raw = text[record.text]
            if let headerProblem {
                records.append(.malformed(row: row, detail: headerProblem, text: Array(raw)))
                continue
            }
            switch record.fields {
            case .failure(let error):
                records.append(.malformed(row: row, detail: error.detail, text: Array(raw)))
            case .success(let values) where values.count != names.count:
                let detail = "CSV row has \(values.count) fields, header has \(names.count)"
                records.append(.malformed(row: row, detail: detail, text: Array(raw)))
            case .success(let values):
                let fields = zip(names, values).map { RawField(name: $0, value: .string($1)) }
                records.append(.record(RawRecord(row: row, fields: fields, text: raw)))
            }
        }
        return records
    }
}
