//! PDF date strings (§7.9.4): written in UTC for `/M`, read back for verification reports.
//!
//! The calendar arithmetic is bounded: days fit in 48 bits (u64 seconds / 86 400) and parsed
//! fields are range-checked first, so no step can overflow; the lint is allowed per function.

use std::time::{SystemTime, UNIX_EPOCH};

#[allow(clippy::arithmetic_side_effects)]
/// `D:YYYYMMDDHHmmSS+00'00'` for `time` (times before 1970 are clamped to the epoch).
pub fn format(time: SystemTime) -> String {
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

#[allow(clippy::arithmetic_side_effects)]
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

/// `D:YYYYMMDDHHmmSS` with an optional `Z` or `+HH'mm'` offset (§7.9.4); missing fields default.
#[allow(clippy::arithmetic_side_effects)]
pub fn parse(bytes: &[u8]) -> Option<SystemTime> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix("D:").unwrap_or(text);
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let field = |from: usize, len: usize, default: u64| -> Option<u64> {
        match digits.get(from..from + len) {
            Some(s) => s.parse().ok(),
            None => Some(default),
        }
    };
    let year = field(0, 4, 0)?;
    let (month, day) = (field(4, 2, 1)?, field(6, 2, 1)?);
    let (hour, minute, second) = (field(8, 2, 0)?, field(10, 2, 0)?, field(12, 2, 0)?);
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let rest = text.get(digits.len()..).unwrap_or("");
    let offset_secs: i64 = match rest.chars().next() {
        Some(sign @ ('+' | '-')) => {
            let nums: Vec<i64> = rest
                .get(1..)
                .unwrap_or_default()
                .split(|c: char| !c.is_ascii_digit())
                .filter_map(|p| p.parse().ok())
                .collect();
            let (hours, minutes) = (
                nums.first().copied().unwrap_or(0),
                nums.get(1).copied().unwrap_or(0),
            );
            // An offset is HH'mm' (§7.9.4); anything larger is not a date (and would overflow).
            if !(0..=23).contains(&hours) || !(0..=59).contains(&minutes) {
                return None;
            }
            let seconds = (hours * 60 + minutes) * 60;
            if sign == '+' { seconds } else { -seconds }
        }
        _ => 0,
    };
    let days = days_from_civil(year, month, day);
    let local = days
        .checked_mul(86_400)?
        .checked_add(hour * 3600 + minute * 60 + second)?;
    let utc = i64::try_from(local).ok()?.checked_sub(offset_secs)?;
    Some(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(u64::try_from(utc).ok()?))
}

#[allow(clippy::arithmetic_side_effects)]
/// Days from 1970-01-01 to the given Gregorian date (inverse of civil-from-days).
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let m = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format(UNIX_EPOCH), "D:19700101000000+00'00'");
        let t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        // 2026-11-18T11:06:40Z (date -u -d @1795000000)
        assert_eq!(format(t), "D:20261118110640+00'00'");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(format(leap), "D:20000229000000+00'00'");
    }

    #[test]
    fn parses_what_it_writes_and_common_forms() {
        for secs in [0, 951_782_400, 1_795_000_000] {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(parse(format(t).as_bytes()), Some(t));
        }
        let t = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(parse(b"D:20261118190640+08'00'"), Some(t));
        assert_eq!(parse(b"D:20261118110640Z"), Some(t));
        assert_eq!(
            parse(b"D:2026"),
            Some(UNIX_EPOCH + Duration::from_secs(1_767_225_600))
        );
        assert_eq!(parse(b"D:20261318"), None);
        assert_eq!(parse(b"garbage"), None);
    }
}
