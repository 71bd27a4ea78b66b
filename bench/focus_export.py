#!/usr/bin/env python3
"""Writes a large synthetic Azure Cost Management export in the FOCUS 1.2 schema (stdlib only).

Usage: focus_export.py OUT.csv ROWS [SEED]

The rows mix what a real tenant's export holds: Azure Communication Services voice, numbers,
SMS and Advanced Messaging, Copilot Studio (Power Platform), Dataverse capacity, and a majority of
unrelated Azure rows (virtual machines, storage, networking) that no bill line takes. Daily
charge periods over 2026-08-01 .. 2026-10-31, costs as decimals with up to 6 places, some refunds.
Deterministic for a seed.
"""
import random
import sys
from datetime import date, timedelta

HEADER = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "EffectiveCost",
    "InvoiceIssuerName", "ListCost", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "SkuId", "SkuMeter", "SubAccountId", "SubAccountName",
    "x_SkuMeterCategory", "x_SkuMeterSubcategory",
]

ACS = "Azure Communication Services"
# (weight, service, category, subcategory, meter, unit, mean cost)
KINDS = [
    (10, ACS, "Voice", "", "Standard Inbound", "1 Minute", 0.8),
    (6, ACS, "Voice", "", "Standard Outbound", "1 Minute", 1.1),
    (3, ACS, "Voice", "", "Call Recording", "1 Minute", 0.2),
    (1, ACS, "Phone Numbers", "", "US Leased Number", "1/Month", 1.0),
    (4, ACS, "SMS", "", "Toll-free Message", "1 Message", 0.05),
    (3, ACS, "Messaging", "Advanced Messaging", "Channel Fee", "1 Message", 0.03),
    (3, "Power Platform", "Power Platform", "", "Copilot Studio Message", "1 Message", 0.4),
    (1, "Power Platform", "Power Platform", "", "Dataverse Database Capacity", "1 GB/Month", 1.6),
    (40, "Virtual Machines", "Virtual Machines", "Dv5 Series", "D4s v5", "1 Hour", 0.19),
    (20, "Storage", "Storage", "Premium SSD Managed Disks", "P10 LRS Disk", "1/Month", 0.6),
    (9, "Bandwidth", "Bandwidth", "Rtn Preference: MGN", "Standard Data Transfer Out", "1 GB", 0.08),
]


def main():
    out, rows = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 7)
    weights = [k[0] for k in KINDS]
    start = date(2026, 8, 1)
    days = [(start + timedelta(days=d)) for d in range(92)]
    periods = [
        (f"{d}T00:00:00Z", f"{d}T23:59:59Z", f"{d.replace(day=1)}T00:00:00Z") for d in days
    ]
    with open(out, "w", newline="") as f:
        f.write(",".join(HEADER) + "\n")
        batch = []
        for i in range(rows):
            _, service, cat, sub, meter, unit, mean = rng.choices(KINDS, weights)[0]
            begin, end, bill_start = periods[rng.randrange(len(periods))]
            qty = rng.randrange(1, 500)
            cost = round(mean * rng.random() * 2, 6)
            if rng.random() < 0.002:
                cost = -cost
            c = f"{cost:.6f}"
            rid = f"/subscriptions/0000/resourceGroups/rg-{i % 97}/providers/x/r{i % 9973}"
            batch.append(
                f",{c},8611537,Contoso,Enterprise Agreement,USD,2026-11-01T00:00:00Z,"
                f"{bill_start},Usage,,{meter},Usage-Based,{end},{begin},{qty},{unit},{c},{c},"
                f"Microsoft,{c},{qty},{unit},Microsoft,Microsoft,westeurope,West Europe,{rid},"
                f"r{i % 9973},{service},Compute,{service},DZH318Z0,{meter},sub-{i % 7},"
                f"Contoso Sub {i % 7},{cat},{sub}\n"
            )
            if len(batch) == 100_000:
                f.write("".join(batch))
                batch.clear()
        f.write("".join(batch))


if __name__ == "__main__":
    main()
