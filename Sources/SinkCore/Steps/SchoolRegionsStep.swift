import HubCore
import HubStore
import Postgres

/// Step: each school's county (`school_regions`), for row-level security and quality rollups.
/// Every standardised record counts, not only versions that win: a school whose records were
/// all superseded still has results to roll up. One statement per batch.
struct SchoolRegionsStep {
    let schema: HubSchema

    func apply(_ db: PGConnection, _ records: [StandardRecord]) throws {
        var latest: [String: (county: String, updated: Int64)] = [:]
        for i in records.indices {
            let (school, updated) = (records[i].schoolCode, records[i].updatedAtMicros)
            if latest[school].map({ $0.updated < updated }) ?? true { latest[school] = (records[i].countyCode, updated) }
        }
        guard !latest.isEmpty else { return }
        let schools = latest.keys.sorted()
        try db.query("""
            INSERT INTO \(schema.name).school_regions (school_code, county_code)
            SELECT * FROM unnest($1::text[], $2::text[]) ORDER BY 1
            ON CONFLICT (school_code) DO UPDATE SET county_code = EXCLUDED.county_code, updated_at = now()
            WHERE \(schema.name).school_regions.county_code <> EXCLUDED.county_code
            """, bind: PGArray.text(schools), PGArray.text(schools.map { latest[$0]?.county ?? "" }))
    }
}
