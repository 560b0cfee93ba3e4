//! Poverty in storage: standards with their TOML source, the household register and members, review lists (open,
//! then frozen: triggers refuse changes to a frozen list) with one row per household, and reduction targets.
//! Register and list rows are written in bulk (`db::insert_rows`) and read packed: a province holds up to 1.5
//! million households.

use chrono::NaiveDate;

use crate::db::{
    args, insert_rows, parse_bool, parse_day, parse_int, parse_opt_int, sync_identity, unit_filter,
    Arg, Tx,
};
use crate::{Store, StoreError};

/// A stored poverty standard.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PovertyStandardRecord {
    pub code: String,
    pub name: String,
    pub legal_basis: String,
    pub first_year: i64,
    pub last_year: i64,
    pub parent_code: Option<String>,
    pub province_code: Option<String>,
    pub verify: bool,
    pub source: String,
}

/// A household of the register, as written (borrowing the text of the row it was read from).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdRow<'a> {
    pub id: i64,
    pub commune_id: i64,
    pub code: &'a str,
    pub head_name: &'a str,
    pub village: &'a str,
    pub address: &'a str,
    /// "rural" or "urban".
    pub area: &'static str,
    pub ethnicity: &'a str,
    pub ethnic_minority: bool,
    pub meritorious: bool,
    pub social_protection: bool,
    pub no_worker: bool,
}

/// A member of a household.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MemberRow {
    pub household_id: i64,
    pub seq: i64,
    pub name: String,
    pub birth_year: Option<i64>,
    /// "nam" or "nu".
    pub sex: Option<String>,
    pub relation: String,
    pub national_id: Option<String>,
}

/// Where a stored household is: its id, commune and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdKey {
    pub id: i64,
    pub commune_id: i64,
}

/// A review list (danh sách rà soát) of a commune and year.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PovertyListRecord {
    pub id: i64,
    pub commune_id: i64,
    pub year: i64,
    pub kind: String,
    pub standard_code: String,
    pub status: String,
    pub replaces_id: Option<i64>,
    pub decision: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub note: String,
    pub n_households: Option<i64>,
    pub n_poor: Option<i64>,
    pub n_near_poor: Option<i64>,
    pub n_average: Option<i64>,
    pub n_em: Option<i64>,
    pub n_em_poor: Option<i64>,
    pub n_em_near_poor: Option<i64>,
    /// "code=n;code=n": poor households deprived on each indicator.
    pub poor_deprived: Option<String>,
}

const LIST_COLUMNS: &str = "id, commune_id, year, kind, standard_code, status, replaces_id, decision, decided_on, \
     note, n_households, n_poor, n_near_poor, n_average, n_em, n_em_poor, n_em_near_poor, poor_deprived";

/// A list to open.
#[derive(Debug, Clone)]
pub struct NewPovertyList {
    pub commune_id: i64,
    pub year: i32,
    /// "annual" or "adhoc".
    pub kind: String,
    pub standard_code: String,
    /// The frozen list a correcting list replaces.
    pub replaces_id: Option<i64>,
    pub note: String,
}

/// One household's review result in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    pub household_id: i64,
    /// "rural" or "urban".
    pub area: &'static str,
    pub ethnic_minority: bool,
    pub income: Option<i64>,
    pub score_a: Option<i64>,
    /// Deprived indicator codes, comma-separated.
    pub deprived: String,
    /// Indicator codes asked, comma-separated; empty when every indicator of the list's standard was asked.
    pub answered: String,
    /// "poor", "near_poor", "average" or "other".
    pub class: &'static str,
}

/// A stored area code as the constant it is.
fn area_code(text: &str) -> &'static str {
    if text == "urban" {
        "urban"
    } else {
        "rural"
    }
}

/// A stored class code as the constant it is.
fn class_code(text: &str) -> &'static str {
    match text {
        "poor" => "poor",
        "near_poor" => "near_poor",
        "average" => "average",
        _ => "other",
    }
}

/// What freezing writes on a list: the decision and the tallies.
#[derive(Debug, Clone, Default)]
pub struct ListTallies {
    pub n_households: i64,
    pub n_poor: i64,
    pub n_near_poor: i64,
    pub n_average: i64,
    pub n_em: i64,
    pub n_em_poor: i64,
    pub n_em_near_poor: i64,
    pub poor_deprived: String,
}

/// A household with its review row in a list, for the review screen (personal fields included: the service
/// checks scope before asking).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedHousehold {
    pub id: i64,
    pub code: String,
    pub head_name: String,
    pub village: String,
    pub ethnicity: String,
    pub ethnic_minority: bool,
    pub area: String,
    pub income: Option<i64>,
    pub score_a: Option<i64>,
    pub deprived: String,
    pub class: String,
    /// The review row's version: bumped by every change, named by an edit made on it.
    pub version: i64,
}

/// A household with every register field, and its version for optimistic edits.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HouseholdRecord {
    pub id: i64,
    pub commune_id: i64,
    pub code: String,
    pub head_name: String,
    pub village: String,
    pub address: String,
    pub area: String,
    pub ethnicity: String,
    pub ethnic_minority: bool,
    pub meritorious: bool,
    pub social_protection: bool,
    pub no_worker: bool,
    pub version: i64,
}

/// A yearly poverty-reduction target of a unit.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PovertyTargetRecord {
    pub unit_id: i64,
    pub year: i64,
    pub target_points: f64,
    pub legal_basis: String,
    /// Bumped by every change; ignored when writing (the expected version is an argument).
    pub version: i64,
}

/// Ids per `in (…)` list.
const IN_CHUNK: usize = 500;

fn in_list(n: usize, first: usize) -> String {
    (0..n)
        .map(|i| format!("${}", first + i))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Number of households in the register (tests and checks after a crash).
    pub async fn count_households(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = self
            .pool
            .conn()
            .fetch_one("select count(*) from households", vec![])
            .await?;
        Ok(n)
    }

    /// Packed rows of `from_where` for `ids` a chunk at a time: `from_where` gets the chunk's placeholder list
    /// (numbered after the `leading` arguments), `parse` reads each row.
    async fn packed_by_ids<T>(
        &self,
        columns: &[&str],
        ids: &[i64],
        leading: Vec<Arg>,
        from_where: impl Fn(&str) -> String,
        parse: impl Fn(&[&str]) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut found = Vec::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let mut args = leading.clone();
            let placeholders = in_list(chunk.len(), args.len() + 1);
            args.extend(chunk.iter().map(|id| Arg::from(*id)));
            let rows = self
                .pool
                .conn()
                .fetch_packed(columns, &from_where(&placeholders), args)
                .await?;
            for row in rows.rows() {
                found.push(parse(&row)?);
            }
        }
        Ok(found)
    }

    pub async fn poverty_standards(&self) -> Result<Vec<PovertyStandardRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select code, name, legal_basis, first_year, last_year, parent_code, province_code, verify, source \
                 from poverty_standards order by first_year, code",
                vec![],
            )
            .await
    }

    /// One stored standard by code (case-insensitive).
    pub async fn poverty_standard_record(
        &self,
        code: &str,
    ) -> Result<Option<PovertyStandardRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_optional(
                "select code, name, legal_basis, first_year, last_year, parent_code, province_code, verify, source \
                 from poverty_standards where upper(code) = upper($1)",
                args![code],
            )
            .await
    }

    /// Households of these communes, by code.
    pub async fn household_keys(
        &self,
        commune_ids: &[i64],
    ) -> Result<Vec<(String, HouseholdKey)>, StoreError> {
        self.packed_by_ids(
            &["id", "commune_id", "code"],
            commune_ids,
            Vec::new(),
            |ids| format!("households where commune_id in ({ids})"),
            |row| {
                Ok((
                    row[2].to_owned(),
                    HouseholdKey {
                        id: parse_int(row[0])?,
                        commune_id: parse_int(row[1])?,
                    },
                ))
            },
        )
        .await
    }

    /// Stored households with these codes, wherever they are.
    pub async fn households_by_code(
        &self,
        codes: &[String],
    ) -> Result<Vec<(String, HouseholdKey)>, StoreError> {
        let mut found = Vec::new();
        for chunk in codes.chunks(IN_CHUNK) {
            let rows: Vec<(i64, i64, String)> = self
                .pool
                .conn()
                .fetch_all(
                    &format!(
                        "select id, commune_id, code from households where code in ({})",
                        in_list(chunk.len(), 1)
                    ),
                    chunk.iter().map(|code| Arg::from(code.as_str())).collect(),
                )
                .await?;
            found.extend(
                rows.into_iter()
                    .map(|(id, commune_id, code)| (code, HouseholdKey { id, commune_id })),
            );
        }
        Ok(found)
    }

    /// Which of these national ID numbers are held, and by which household.
    pub async fn national_ids_in_use(
        &self,
        national_ids: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let mut found = Vec::new();
        for chunk in national_ids.chunks(IN_CHUNK) {
            let marks = in_list(chunk.len(), 1);
            let rows: Vec<(String, i64)> = self
                .pool
                .conn()
                .fetch_all(
                    &format!(
                        "select national_id, household_id from household_members where national_id in ({marks})"
                    ),
                    chunk.iter().map(|code| Arg::from(code.as_str())).collect(),
                )
                .await?;
            found.extend(rows);
        }
        Ok(found)
    }

    /// Lists of these communes for years `from..=to`, oldest first.
    pub async fn poverty_lists(
        &self,
        commune_ids: &[i64],
        from: i32,
        to: i32,
    ) -> Result<Vec<PovertyListRecord>, StoreError> {
        let mut found = Vec::new();
        for chunk in commune_ids.chunks(IN_CHUNK) {
            let mut args = args![i64::from(from), i64::from(to)];
            args.extend(chunk.iter().map(|id| Arg::from(*id)));
            let rows: Vec<PovertyListRecord> = self
                .pool
                .conn()
                .fetch_all(
                    &format!(
                        "select {LIST_COLUMNS} from poverty_lists where year >= $1 and year <= $2 \
                         and commune_id in ({}) order by year, id",
                        in_list(chunk.len(), 3)
                    ),
                    args,
                )
                .await?;
            found.extend(rows);
        }
        found.sort_by_key(|list| (list.year, list.id));
        Ok(found)
    }

    /// Frozen lists for years `from..=to` of every commune (`None`) or of some, read packed (a national roll-up
    /// reads tens of thousands of tallies). Decision numbers and notes, free text, are left empty.
    pub async fn frozen_poverty_lists(
        &self,
        from: i32,
        to: i32,
        commune_ids: Option<&[i64]>,
    ) -> Result<Vec<PovertyListRecord>, StoreError> {
        let packed = self
            .pool
            .conn()
            .fetch_packed(
                &[
                    "id",
                    "commune_id",
                    "year",
                    "kind",
                    "standard_code",
                    "status",
                    "replaces_id",
                    "decided_on",
                    "n_households",
                    "n_poor",
                    "n_near_poor",
                    "n_average",
                    "n_em",
                    "n_em_poor",
                    "n_em_near_poor",
                    "poor_deprived",
                ],
                &format!(
                    "poverty_lists where year >= $1 and year <= $2 and status = 'frozen'{}",
                    unit_filter("commune_id", commune_ids)
                ),
                args![i64::from(from), i64::from(to)],
            )
            .await?;
        let mut lists = packed
            .rows()
            .map(|row| {
                Ok(PovertyListRecord {
                    id: parse_int(row[0])?,
                    commune_id: parse_int(row[1])?,
                    year: parse_int(row[2])?,
                    kind: row[3].to_owned(),
                    standard_code: row[4].to_owned(),
                    status: row[5].to_owned(),
                    replaces_id: parse_opt_int(row[6])?,
                    decision: None,
                    decided_on: (!row[7].is_empty())
                        .then(|| parse_day(row[7]))
                        .transpose()?,
                    note: String::new(),
                    n_households: parse_opt_int(row[8])?,
                    n_poor: parse_opt_int(row[9])?,
                    n_near_poor: parse_opt_int(row[10])?,
                    n_average: parse_opt_int(row[11])?,
                    n_em: parse_opt_int(row[12])?,
                    n_em_poor: parse_opt_int(row[13])?,
                    n_em_near_poor: parse_opt_int(row[14])?,
                    poor_deprived: (!row[15].is_empty()).then(|| row[15].to_owned()),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        lists.sort_by_key(|list| (list.year, list.id));
        Ok(lists)
    }

    pub async fn poverty_list(&self, id: i64) -> Result<PovertyListRecord, StoreError> {
        self.pool
            .conn()
            .fetch_one(
                &format!("select {LIST_COLUMNS} from poverty_lists where id = $1"),
                args![id],
            )
            .await
    }

    /// Every row of a list.
    pub async fn poverty_list_rows(&self, list_id: i64) -> Result<Vec<ListRow>, StoreError> {
        let rows = self
            .pool
            .conn()
            .fetch_packed(
                &[
                    "household_id",
                    "area",
                    "ethnic_minority",
                    "income",
                    "score_a",
                    "deprived",
                    "answered",
                    "class",
                ],
                "poverty_list_rows where list_id = $1",
                args![list_id],
            )
            .await?;
        rows.rows()
            .map(|row| {
                Ok(ListRow {
                    household_id: parse_int(row[0])?,
                    area: area_code(row[1]),
                    ethnic_minority: parse_bool(row[2]),
                    income: parse_opt_int(row[3])?,
                    score_a: parse_opt_int(row[4])?,
                    deprived: row[5].to_owned(),
                    answered: row[6].to_owned(),
                    class: class_code(row[7]),
                })
            })
            .collect()
    }

    /// Every row of these lists with its list id (a province's what-if reads its lists a batch at a time).
    pub async fn poverty_rows_of_lists(
        &self,
        list_ids: &[i64],
    ) -> Result<Vec<(i64, ListRow)>, StoreError> {
        self.packed_by_ids(
            &[
                "list_id",
                "household_id",
                "area",
                "ethnic_minority",
                "income",
                "score_a",
                "deprived",
                "answered",
                "class",
            ],
            list_ids,
            Vec::new(),
            |ids| format!("poverty_list_rows where list_id in ({ids})"),
            |row| {
                Ok((
                    parse_int(row[0])?,
                    ListRow {
                        household_id: parse_int(row[1])?,
                        area: area_code(row[2]),
                        ethnic_minority: parse_bool(row[3]),
                        income: parse_opt_int(row[4])?,
                        score_a: parse_opt_int(row[5])?,
                        deprived: row[6].to_owned(),
                        answered: row[7].to_owned(),
                        class: class_code(row[8]),
                    },
                ))
            },
        )
        .await
    }

    /// (list id, household id, class) of every row of these lists, for flows.
    pub async fn poverty_classes(
        &self,
        list_ids: &[i64],
    ) -> Result<Vec<(i64, i64, String)>, StoreError> {
        self.packed_by_ids(
            &["list_id", "household_id", "class"],
            list_ids,
            Vec::new(),
            |ids| format!("poverty_list_rows where list_id in ({ids})"),
            |row| Ok((parse_int(row[0])?, parse_int(row[1])?, row[2].to_owned())),
        )
        .await
    }

    /// Households poor or near-poor in a frozen list of these communes before `year`: (household id, class).
    pub async fn poverty_classes_before(
        &self,
        commune_ids: &[i64],
        year: i32,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        self.packed_by_ids(
            &["r.household_id", "r.class"],
            commune_ids,
            args![i64::from(year)],
            |ids| {
                format!(
                    "poverty_list_rows r join poverty_lists l on l.id = r.list_id \
                     where l.year < $1 and l.status = 'frozen' and r.class in ('poor', 'near_poor') \
                     and l.commune_id in ({ids})"
                )
            },
            |row| Ok((parse_int(row[0])?, row[1].to_owned())),
        )
        .await
    }

    /// A page of a list's households with their results: `class` filters by class, `village` and `query`
    /// (code or head's name, folded text matched by the caller's pattern) narrow further.
    pub async fn listed_households(
        &self,
        list_id: i64,
        class: Option<&str>,
        query: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<ListedHousehold>), StoreError> {
        let pattern = query.map(|text| format!("%{}%", text.to_lowercase()));
        let filter = "r.list_id = $1 and (cast($2 as text) is null or r.class = $2) \
             and (cast($3 as text) is null or lower(h.code) like $3 or lower(h.head_name) like $3 \
             or lower(h.village) like $3)";
        let (total,): (i64,) = self
            .pool
            .conn()
            .fetch_one(
                &format!(
                    "select count(*) from poverty_list_rows r join households h on h.id = r.household_id where {filter}"
                ),
                args![list_id, class.map(str::to_owned), pattern.clone()],
            )
            .await?;
        let rows = self
            .pool
            .conn()
            .fetch_all(
                &format!(
                    "select h.id, h.code, h.head_name, h.village, h.ethnicity, r.ethnic_minority, r.area, r.income, \
                     r.score_a, r.deprived, r.class, r.version from poverty_list_rows r join households h on h.id = r.household_id \
                     where {filter} order by h.village, h.code limit $4 offset $5"
                ),
                args![list_id, class.map(str::to_owned), pattern, limit, offset],
            )
            .await?;
        Ok((total, rows))
    }

    pub async fn household(&self, id: i64) -> Result<HouseholdRecord, StoreError> {
        self.pool
            .conn()
            .fetch_one(
                "select id, commune_id, code, head_name, village, address, area, ethnicity, ethnic_minority, \
                 meritorious, social_protection, no_worker, version from households where id = $1",
                args![id],
            )
            .await
    }

    pub async fn household_members(&self, id: i64) -> Result<Vec<MemberRow>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select household_id, seq, name, birth_year, sex, relation, national_id from household_members \
                 where household_id = $1 order by seq",
                args![id],
            )
            .await
    }

    /// A household's results in every list, newest first: (list, row).
    pub async fn household_history(
        &self,
        id: i64,
    ) -> Result<Vec<(PovertyListRecord, String, String)>, StoreError> {
        let lists: Vec<PovertyListRecord> = self
            .pool
            .conn()
            .fetch_all(
                &format!(
                    "select {} from poverty_lists l join poverty_list_rows r on r.list_id = l.id \
                     where r.household_id = $1 order by l.year desc, l.id desc",
                    LIST_COLUMNS
                        .split(", ")
                        .map(|column| format!("l.{column}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                args![id],
            )
            .await?;
        let rows: Vec<(i64, String, String)> = self
            .pool
            .conn()
            .fetch_all(
                "select list_id, class, deprived from poverty_list_rows where household_id = $1",
                args![id],
            )
            .await?;
        Ok(lists
            .into_iter()
            .filter_map(|list| {
                let (_, class, deprived) = rows.iter().find(|row| row.0 == list.id)?.clone();
                Some((list, class, deprived))
            })
            .collect())
    }

    pub async fn poverty_targets(&self, year: i32) -> Result<Vec<PovertyTargetRecord>, StoreError> {
        self.pool
            .conn()
            .fetch_all(
                "select unit_id, year, target_points, legal_basis, version from poverty_targets where year = $1",
                args![i64::from(year)],
            )
            .await
    }
}

impl Tx {
    pub async fn upsert_poverty_standard(
        &mut self,
        record: &PovertyStandardRecord,
        loaded_by: Option<i64>,
    ) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "insert into poverty_standards (code, name, legal_basis, first_year, last_year, parent_code, \
                 province_code, verify, source, loaded_by) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 on conflict (code) do update set name = excluded.name, legal_basis = excluded.legal_basis, \
                 first_year = excluded.first_year, last_year = excluded.last_year, parent_code = excluded.parent_code, \
                 province_code = excluded.province_code, verify = excluded.verify, source = excluded.source, \
                 loaded_by = excluded.loaded_by",
                args![
                    record.code.as_str(),
                    record.name.as_str(),
                    record.legal_basis.as_str(),
                    record.first_year,
                    record.last_year,
                    record.parent_code.clone(),
                    record.province_code.clone(),
                    record.verify,
                    record.source.as_str(),
                    loaded_by
                ],
            )
            .await?;
        Ok(())
    }

    /// The largest household id in use (new households take the ids after it).
    pub async fn max_household_id(&mut self) -> Result<i64, StoreError> {
        let (max,): (Option<i64>,) = self
            .conn()
            .fetch_one("select max(id) from households", vec![])
            .await?;
        Ok(max.unwrap_or(0))
    }

    /// Writes households: new ones (`is_new`) are inserted with their ids, others replace the stored fields and
    /// bump the version.
    pub async fn write_households(
        &mut self,
        rows: &[HouseholdRow<'_>],
        is_new: bool,
    ) -> Result<(), StoreError> {
        const COLUMNS: &[(&str, &str)] = &[
            ("id", "bigint"),
            ("commune_id", "bigint"),
            ("code", "text"),
            ("head_name", "text"),
            ("village", "text"),
            ("address", "text"),
            ("area", "text"),
            ("ethnicity", "text"),
            ("ethnic_minority", "boolean"),
            ("meritorious", "boolean"),
            ("social_protection", "boolean"),
            ("no_worker", "boolean"),
        ];
        let then = if is_new {
            ""
        } else {
            " on conflict (id) do update set commune_id = excluded.commune_id, head_name = excluded.head_name, \
             village = excluded.village, address = excluded.address, area = excluded.area, \
             ethnicity = excluded.ethnicity, ethnic_minority = excluded.ethnic_minority, \
             meritorious = excluded.meritorious, social_protection = excluded.social_protection, \
             no_worker = excluded.no_worker, \
             version = households.version + 1, updated_at = excluded.updated_at"
        };
        for chunk in rows.chunks(8_192) {
            let values = chunk
                .iter()
                .map(|row| {
                    args![
                        row.id,
                        row.commune_id,
                        row.code,
                        row.head_name,
                        row.village,
                        row.address,
                        Arg::Static(row.area),
                        row.ethnicity,
                        row.ethnic_minority,
                        row.meritorious,
                        row.social_protection,
                        row.no_worker
                    ]
                })
                .collect();
            let now = chrono::Utc::now();
            insert_rows(
                self,
                "households",
                COLUMNS,
                values,
                &[("updated_at", "timestamptz", Arg::from(now))],
                then,
            )
            .await?;
        }
        Ok(())
    }

    /// After households were inserted with ids chosen by the import, moves PostgreSQL's id sequence past them.
    pub async fn sync_household_ids(&mut self) -> Result<(), StoreError> {
        sync_identity(self, "households").await
    }

    /// Replaces the members of these households.
    pub async fn replace_members(
        &mut self,
        household_ids: &[i64],
        members: &[MemberRow],
    ) -> Result<(), StoreError> {
        for chunk in household_ids.chunks(IN_CHUNK) {
            self.conn()
                .execute(
                    &format!(
                        "delete from household_members where household_id in ({})",
                        in_list(chunk.len(), 1)
                    ),
                    chunk.iter().map(|id| Arg::from(*id)).collect(),
                )
                .await?;
        }
        const COLUMNS: &[(&str, &str)] = &[
            ("household_id", "bigint"),
            ("seq", "bigint"),
            ("name", "text"),
            ("birth_year", "bigint"),
            ("sex", "text"),
            ("relation", "text"),
            ("national_id", "text"),
        ];
        for chunk in members.chunks(8_192) {
            let values = chunk
                .iter()
                .map(|member| {
                    args![
                        member.household_id,
                        member.seq,
                        member.name.as_str(),
                        member.birth_year,
                        member.sex.clone(),
                        member.relation.as_str(),
                        member.national_id.clone()
                    ]
                })
                .collect();
            insert_rows(self, "household_members", COLUMNS, values, &[], "").await?;
        }
        Ok(())
    }

    /// Writes members, replacing those with the same household and number (an import that gives only the head's
    /// details writes member 1 and leaves the others).
    pub async fn upsert_members(&mut self, members: &[MemberRow]) -> Result<(), StoreError> {
        const COLUMNS: &[(&str, &str)] = &[
            ("household_id", "bigint"),
            ("seq", "bigint"),
            ("name", "text"),
            ("birth_year", "bigint"),
            ("sex", "text"),
            ("relation", "text"),
            ("national_id", "text"),
        ];
        let then = " on conflict (household_id, seq) do update set name = excluded.name, \
             birth_year = excluded.birth_year, sex = excluded.sex, relation = excluded.relation, \
             national_id = excluded.national_id";
        let mut sorted: Vec<&MemberRow> = members.iter().collect();
        sorted.sort_by_key(|member| (member.household_id, member.seq));
        for chunk in sorted.chunks(8_192) {
            let values = chunk
                .iter()
                .map(|member| {
                    args![
                        member.household_id,
                        member.seq,
                        member.name.as_str(),
                        member.birth_year,
                        member.sex.clone(),
                        member.relation.as_str(),
                        member.national_id.clone()
                    ]
                })
                .collect();
            insert_rows(self, "household_members", COLUMNS, values, &[], then).await?;
        }
        Ok(())
    }

    /// The open list of a commune, year and kind, if there is one.
    pub async fn open_poverty_list(
        &mut self,
        commune_id: i64,
        year: i32,
        kind: &str,
    ) -> Result<Option<PovertyListRecord>, StoreError> {
        self.conn()
            .fetch_optional(
                &format!(
                    "select {LIST_COLUMNS} from poverty_lists where commune_id = $1 and year = $2 and kind = $3 \
                     and status = 'open'"
                ),
                args![commune_id, i64::from(year), kind],
            )
            .await
    }

    /// The latest frozen list of a commune, year and kind, if there is one.
    pub async fn frozen_poverty_list(
        &mut self,
        commune_id: i64,
        year: i32,
        kind: &str,
    ) -> Result<Option<PovertyListRecord>, StoreError> {
        self.conn()
            .fetch_optional(
                &format!(
                    "select {LIST_COLUMNS} from poverty_lists where commune_id = $1 and year = $2 and kind = $3 \
                     and status = 'frozen' order by decided_on desc, id desc limit 1"
                ),
                args![commune_id, i64::from(year), kind],
            )
            .await
    }

    pub async fn poverty_list_for_update(
        &mut self,
        id: i64,
    ) -> Result<PovertyListRecord, StoreError> {
        self.conn()
            .fetch_one(
                &format!("select {LIST_COLUMNS} from poverty_lists where id = $1"),
                args![id],
            )
            .await
    }

    /// Opens a list; returns its id.
    pub async fn create_poverty_list(
        &mut self,
        list: &NewPovertyList,
        created_by: Option<i64>,
    ) -> Result<i64, StoreError> {
        let (id,): (i64,) = self
            .conn()
            .fetch_one(
                "insert into poverty_lists (commune_id, year, kind, standard_code, status, replaces_id, note, created_by) \
                 values ($1, $2, $3, $4, 'open', $5, $6, $7) returning id",
                args![
                    list.commune_id,
                    i64::from(list.year),
                    list.kind.as_str(),
                    list.standard_code.as_str(),
                    list.replaces_id,
                    list.note.as_str(),
                    created_by
                ],
            )
            .await?;
        Ok(id)
    }

    /// Writes rows into an open list, replacing a household's earlier row (`replace`; a list opened in this
    /// transaction has none, and is written by the faster plain insert). Every row of one call was asked the
    /// indicators `answered` (comma-separated); the rows' own `answered` field is not written.
    pub async fn write_list_rows(
        &mut self,
        list_id: i64,
        answered: &str,
        rows: &[ListRow],
        replace: bool,
    ) -> Result<(), StoreError> {
        const COLUMNS: &[(&str, &str)] = &[
            ("household_id", "bigint"),
            ("area", "text"),
            ("ethnic_minority", "boolean"),
            ("income", "bigint"),
            ("score_a", "bigint"),
            ("deprived", "text"),
            ("class", "text"),
        ];
        let then = if replace {
            " on conflict (list_id, household_id) do update set area = excluded.area, \
             ethnic_minority = excluded.ethnic_minority, income = excluded.income, score_a = excluded.score_a, \
             deprived = excluded.deprived, answered = excluded.answered, class = excluded.class, \
             version = poverty_list_rows.version + 1"
        } else {
            ""
        };
        let mut sorted: Vec<&ListRow> = rows.iter().collect();
        sorted.sort_by_key(|row| row.household_id);
        for chunk in sorted.chunks(8_192) {
            let values = chunk
                .iter()
                .map(|row| {
                    args![
                        row.household_id,
                        Arg::Static(row.area),
                        row.ethnic_minority,
                        row.income,
                        row.score_a,
                        row.deprived.as_str(),
                        Arg::Static(row.class)
                    ]
                })
                .collect();
            insert_rows(
                self,
                "poverty_list_rows",
                COLUMNS,
                values,
                &[
                    ("list_id", "bigint", Arg::from(list_id)),
                    ("answered", "text", Arg::from(answered)),
                ],
                then,
            )
            .await?;
        }
        Ok(())
    }

    /// Replaces one household's row in an open list if the row is still at `version` (bumping it); false, with
    /// nothing written, when the row is gone or someone changed it first. Every indicator of the list's standard
    /// counts as asked.
    pub async fn update_list_row(
        &mut self,
        list_id: i64,
        row: &ListRow,
        version: i64,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute(
                "update poverty_list_rows set area = $3, ethnic_minority = $4, income = $5, score_a = $6, \
                 deprived = $7, answered = '', class = $8, version = version + 1 \
                 where list_id = $1 and household_id = $2 and version = $9",
                args![
                    list_id,
                    row.household_id,
                    Arg::Static(row.area),
                    row.ethnic_minority,
                    row.income,
                    row.score_a,
                    row.deprived.as_str(),
                    Arg::Static(row.class),
                    version
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Removes households from an open list.
    pub async fn remove_list_rows(
        &mut self,
        list_id: i64,
        household_ids: &[i64],
    ) -> Result<u64, StoreError> {
        let mut removed = 0;
        for chunk in household_ids.chunks(IN_CHUNK) {
            let mut args = args![list_id];
            args.extend(chunk.iter().map(|id| Arg::from(*id)));
            removed += self
                .conn()
                .execute(
                    &format!(
                        "delete from poverty_list_rows where list_id = $1 and household_id in ({})",
                        in_list(chunk.len(), 2)
                    ),
                    args,
                )
                .await?;
        }
        Ok(removed)
    }

    /// Copies every row of one list into another (an open correcting list starts from the frozen one).
    pub async fn copy_list_rows(&mut self, from: i64, to: i64) -> Result<u64, StoreError> {
        self.conn()
            .execute(
                "insert into poverty_list_rows (list_id, household_id, area, ethnic_minority, income, score_a, \
                 deprived, answered, class) select $1, household_id, area, ethnic_minority, income, score_a, \
                 deprived, answered, class from poverty_list_rows where list_id = $2",
                args![to, from],
            )
            .await
    }

    /// Freezes an open list with its decision and tallies. Fails if it is not open.
    pub async fn freeze_poverty_list(
        &mut self,
        id: i64,
        decision: &str,
        decided_on: NaiveDate,
        tallies: &ListTallies,
        frozen_by: Option<i64>,
    ) -> Result<(), StoreError> {
        let changed = self
            .conn()
            .execute(
                "update poverty_lists set status = 'frozen', decision = $2, decided_on = $3, n_households = $4, \
                 n_poor = $5, n_near_poor = $6, n_average = $7, n_em = $8, n_em_poor = $9, n_em_near_poor = $10, \
                 poor_deprived = $11, frozen_by = $12, frozen_at = $13 where id = $1 and status = 'open'",
                args![
                    id,
                    decision,
                    decided_on,
                    tallies.n_households,
                    tallies.n_poor,
                    tallies.n_near_poor,
                    tallies.n_average,
                    tallies.n_em,
                    tallies.n_em_poor,
                    tallies.n_em_near_poor,
                    tallies.poor_deprived.as_str(),
                    frozen_by,
                    chrono::Utc::now()
                ],
            )
            .await?;
        if changed == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// Stores a household's edited fields if its version is still `version`; false when someone else saved first.
    pub async fn update_household(
        &mut self,
        row: &HouseholdRow<'_>,
        version: i64,
    ) -> Result<bool, StoreError> {
        let changed = self
            .conn()
            .execute(
                "update households set head_name = $2, village = $3, address = $4, area = $5, ethnicity = $6, \
                 ethnic_minority = $7, meritorious = $8, social_protection = $9, no_worker = $10, \
                 version = version + 1, updated_at = $11 where id = $1 and version = $12",
                args![
                    row.id,
                    row.head_name,
                    row.village,
                    row.address,
                    Arg::Static(row.area),
                    row.ethnicity,
                    row.ethnic_minority,
                    row.meritorious,
                    row.social_protection,
                    row.no_worker,
                    chrono::Utc::now(),
                    version
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Sets a unit's target for a year. `version` is the target's version the change was made on: `None` writes
    /// whatever is stored, `Some(0)` only when there is no target yet, `Some(n)` only while the target is at `n`.
    /// False, with nothing written, when the target moved on.
    pub async fn set_poverty_target(
        &mut self,
        target: &PovertyTargetRecord,
        version: Option<i64>,
        created_by: Option<i64>,
    ) -> Result<bool, StoreError> {
        let values = args![
            target.unit_id,
            target.year,
            Some(target.target_points),
            target.legal_basis.as_str(),
            created_by
        ];
        let insert =
            "insert into poverty_targets (unit_id, year, target_points, legal_basis, created_by) \
                      values ($1, $2, $3, $4, $5) on conflict (unit_id, year)";
        let changed = match version {
            None => {
                self.conn()
                    .execute(
                        &format!(
                            "{insert} do update set target_points = excluded.target_points, \
                             legal_basis = excluded.legal_basis, created_by = excluded.created_by, \
                             version = poverty_targets.version + 1"
                        ),
                        values,
                    )
                    .await?
            }
            Some(0) => {
                self.conn()
                    .execute(&format!("{insert} do nothing"), values)
                    .await?
            }
            Some(version) => {
                let mut values = values;
                values.push(Arg::from(version));
                self.conn()
                    .execute(
                        "update poverty_targets set target_points = $3, legal_basis = $4, created_by = $5, \
                         version = version + 1 where unit_id = $1 and year = $2 and version = $6",
                        values,
                    )
                    .await?
            }
        };
        Ok(changed == 1)
    }
}
