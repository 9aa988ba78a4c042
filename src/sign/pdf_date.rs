//! PDF date strings (§7.9.4) from `SystemTime`, in UTC.

use std::time::{SystemTime, UNIX_EPOCH};

/// `D:YYYYMMDDHHmmSS+00'00'` for `time` (times before 1970 are clamped to the epoch).
pub fn pdf_date(time: SystemTime) -> String {
    let secs = time
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    format!(
        "D:{year:04}{month:02}{day:02}{:02}{:02}{:02}+00'00'",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Gregorian date of the day `days` after 1970-01-01 (Howard Hinnant's civil-from-days algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        assert_eq!(pdf_date(UNIX_EPOCH), "D:19700101000000+00'00'");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        // 2026-11-18T11:06:40Z (date -u -d @1795000000)
        assert_eq!(pdf_date(t), "D:20261118110640+00'00'");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(pdf_date(leap), "D:20000229000000+00'00'");
    }
}
