import Foundation
import HubCore
import Postgres
import Topology

/// Keeps `scenarios` in step with the topology's scenarios (inside the migration transaction):
/// what each one measures, in Chinese and English, its unit, thresholds, severity and owner —
/// what the console and the reports show next to the results.
enum ScenarioDefinitionsStore {
    static func sync(_ db: PGConnection, schema: HubSchema, topology: Topology) throws {
        let s = schema.name
        try db.execute("DELETE FROM \(s).scenarios")
        for d in topology.scenarios {
            try db.query("""
                INSERT INTO \(s).scenarios (scenario, kind, title_zh, title_en, definition_zh, definition_en, unit, value_form, rollup,
                                            comparison, thresholds, min_denominator, severity, owner)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12, $13, $14)
                """, [d.name, d.kindName, d.title.zh, d.title.en, d.definition.zh, d.definition.en, d.unit, d.form.rawValue,
                      d.rollup.rawValue, d.thresholds.comparison.rawValue, thresholdsJSON(d.thresholds), String(d.minDenominator),
                      d.severity.rawValue, d.owner])
        }
    }

    /// `{"levels":{"school":{"lower":…,"upper":…},…},"school_stages":{"primary":{…}}}`.
    static func thresholdsJSON(_ t: ScenarioThresholds) -> String {
        struct Payload: Encodable {
            var levels: [String: ThresholdBounds]
            var school_stages: [String: ThresholdBounds]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let payload = Payload(levels: Dictionary(uniqueKeysWithValues: t.levels.map { ($0.key.rawValue, $0.value) }),
                              school_stages: t.schoolStages)
        return (try? String(decoding: encoder.encode(payload), as: UTF8.self)) ?? "{}"
    }
}
