//! What a Parquet file's footer says without reading its rows: the latest value of a typed
//! timestamp column, from the row groups' statistics.

use std::path::Path;

use polars::io::parquet::read::ParquetReader;
use polars::prelude::*;

use super::MS_PER_DAY;
use super::udf::{MAX_MS, MIN_MS, per_ms};

/// The latest value of a typed timestamp column (a datetime or a date) in epoch milliseconds,
/// from the statistics of every row group; `None` when the column is text, a row group has no
/// maximum for it, or the maximum is out of the range the analysis takes (a scan then finds
/// the latest value, nulling those).
pub(super) fn latest_timestamp(path: &Path, column: &str, dtype: &DataType) -> Option<i64> {
    let to_ms = |v: i64| -> Option<i64> {
        match dtype {
            DataType::Datetime(unit, _) => Some(v.div_euclid(per_ms(*unit))),
            DataType::Date => v.checked_mul(MS_PER_DAY),
            _ => None,
        }
    };
    let file = std::fs::File::open(path).ok()?;
    let metadata = ParquetReader::new(file).get_metadata().ok()?.clone();
    let mut latest: Option<i64> = None;
    for group in &metadata.row_groups {
        if group.num_rows() == 0 {
            continue;
        }
        let mut chunks = group.columns_under_root_iter(column)?;
        let (Some(chunk), None) = (chunks.next(), chunks.next()) else {
            return None;
        };
        let stats = chunk.statistics(&metadata.footer_buf)?.ok()?;
        let max = match dtype {
            DataType::Date => stats.as_int32()?.max_value.map(i64::from)?,
            _ => stats.as_int64()?.max_value?,
        };
        latest = latest.max(Some(to_ms(max)?));
    }
    latest.filter(|ms| (MIN_MS..=MAX_MS).contains(ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(df: &mut DataFrame, rows_per_group: usize) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        ParquetWriter::new(file.reopen().expect("reopen"))
            .with_row_group_size(Some(rows_per_group))
            .finish(df)
            .expect("write parquet");
        file
    }

    #[test]
    fn the_latest_timestamp_comes_from_every_row_group() {
        let ms = [1_000i64, 9_000, 5_000, 86_400_000 * 20_000, 7_000];
        let ts = Series::new("ts".into(), ms)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .expect("cast");
        let mut df = DataFrame::new_infer_height(vec![ts.into_column()]).expect("frame");
        let dtype = DataType::Datetime(TimeUnit::Milliseconds, None);
        let file = write(&mut df, 2);
        assert_eq!(
            latest_timestamp(file.path(), "ts", &dtype),
            Some(86_400_000 * 20_000)
        );
        assert_eq!(latest_timestamp(file.path(), "other", &dtype), None);
        assert_eq!(latest_timestamp(file.path(), "ts", &DataType::String), None);
    }

    #[test]
    fn an_out_of_range_maximum_is_left_to_the_scan() {
        let ts = Series::new("ts".into(), [1_000i64, i64::MAX / 2])
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .expect("cast");
        let mut df = DataFrame::new_infer_height(vec![ts.into_column()]).expect("frame");
        let file = write(&mut df, 1);
        let dtype = DataType::Datetime(TimeUnit::Milliseconds, None);
        assert_eq!(latest_timestamp(file.path(), "ts", &dtype), None);
    }
}
