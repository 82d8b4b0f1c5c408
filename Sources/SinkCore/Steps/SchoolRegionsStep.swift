import HubCore
import HubStore
import Postgres

/// Step: each school's county (`school_regions`), for row-level security and quality rollups.
/// Every standardised record counts, not only versions that win: a school whose records were
/// all superseded still has results to roll up. One statement per batch.
struct SchoolRegionsStep {
    let schema: HubSchema

    func apply(_ db: PGConnection, _ records: [StandardRecord]) throws {
        // Per school, the county of its newest record (the first of equals). A batch holds runs
        // of one school's records, so a run is settled before it meets the dictionary.
        var latest: [String: (county: String, updated: Int64)] = [:]
        var run: (school: String, county: String, updated: Int64)?
        func settle(_ r: (school: String, county: String, updated: Int64)) {
            if latest[r.school].map({ $0.updated < r.updated }) ?? true { latest[r.school] = (r.county, r.updated) }
        }
        for i in records.indices {
            let updated = records[i].updatedAtMicros
            if let current = run, current.school == records[i].schoolCode {
                if current.updated < updated { run = (current.school, records[i].countyCode, updated) }
            } else {
                if let current = run { settle(current) }
                run = (records[i].schoolCode, records[i].countyCode, updated)
            }
        }
        if let current = run { settle(current) }
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
