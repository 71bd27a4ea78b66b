//! Shared-device detection (pure): a device is shared when at least `min_users` users worked on
//! it in the window and none of them holds more than `max_dominant_share` of its activity.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::policy::DevicePolicy;
use crate::profile::DeviceUse;

/// One device seen in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub id: String,
    /// (user id, events), sorted by user id.
    pub users: Vec<(String, u64)>,
    pub events: u64,
    /// Largest single user's share of the device's events.
    pub dominant_share: Decimal,
    pub shared: bool,
}

/// Groups device use by device and decides which devices are shared.
pub fn analyse(uses: &[DeviceUse], policy: &DevicePolicy) -> BTreeMap<String, Device> {
    let mut by_device: BTreeMap<String, Vec<(String, u64)>> = BTreeMap::new();
    for u in uses {
        by_device
            .entry(u.device.clone())
            .or_default()
            .push((u.user.clone(), u.events));
    }
    by_device
        .into_iter()
        .map(|(id, mut users)| {
            users.sort();
            let events: u64 = users.iter().map(|u| u.1).sum();
            let top = users.iter().map(|u| u.1).max().unwrap_or(0);
            let dominant_share = share(top, events);
            let shared = users.len() as u64 >= u64::from(policy.min_users)
                && dominant_share <= policy.max_dominant_share;
            (
                id.clone(),
                Device {
                    id,
                    users,
                    events,
                    dominant_share,
                    shared,
                },
            )
        })
        .collect()
}

/// `part / total` as an exact decimal (0 when total is 0).
pub fn share(part: u64, total: u64) -> Decimal {
    if total == 0 {
        return Decimal::ZERO;
    }
    Decimal::from(part) / Decimal::from(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> DevicePolicy {
        DevicePolicy {
            user_share: Decimal::new(8, 1),
            min_users: 3,
            max_dominant_share: Decimal::new(8, 1),
        }
    }

    fn uses(device: &str, counts: &[u64]) -> Vec<DeviceUse> {
        counts
            .iter()
            .enumerate()
            .map(|(i, &n)| DeviceUse {
                device: device.into(),
                user: format!("u{i}"),
                events: n,
            })
            .collect()
    }

    #[test]
    fn shared_device_thresholds() {
        let cases = [
            ("three even users", vec![10, 10, 10], true),
            ("two users is too few", vec![10, 10], false),
            (
                "dominant user at exactly 0.8 is allowed",
                vec![80, 10, 10],
                true,
            ),
            ("dominant user above 0.8", vec![81, 10, 9], false),
            ("many users", vec![5, 5, 5, 5, 5], true),
        ];
        for (name, counts, want) in cases {
            let d = analyse(&uses("k1", &counts), &policy());
            assert_eq!(d["k1"].shared, want, "{name}");
        }
    }
}
