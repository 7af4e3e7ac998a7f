-- Parsing macros shared by the staging views and the checks.
-- Each returns NULL for a value it cannot read, so a check can tell "missing" from "invalid".

-- Empty or blank cell = missing. Non-breaking spaces come from Excel exports.
CREATE OR REPLACE TEMP MACRO rf_clean(v) AS
    NULLIF(trim(replace(CAST(v AS VARCHAR), chr(160), ' ')), '');

-- Case, spacing and Danish letters do not matter when matching labels.
CREATE OR REPLACE TEMP MACRO rf_fold(v) AS
    regexp_replace(
        strip_accents(replace(replace(replace(lower(rf_clean(v)), 'æ', 'ae'), 'ø', 'oe'), 'å', 'aa')),
        '\s+', ' ', 'g');

-- Integers: plain digits, or Danish thousands dots (1.234.567), optionally ",00".
-- A dot that is not a thousands separator (40.4) is not an integer: it is rejected, not guessed.
-- Plain digits take the fast path; only other spellings pay for the cleaning.
CREATE OR REPLACE TEMP MACRO rf_int(v) AS
    CASE WHEN v IS NULL THEN NULL
         WHEN regexp_full_match(v, '[0-9]{1,18}') THEN CAST(v AS BIGINT)
         WHEN regexp_full_match(rf_clean(v), '[+-]?([0-9]+|[0-9]{1,3}(\.[0-9]{3})+)(,0+)?')
         THEN TRY_CAST(replace(regexp_replace(rf_clean(v), ',0+$', ''), '.', '') AS BIGINT)
    END;

-- Dates: YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY; the shape is checked first so that
-- 17-07-01 is never read as the year 17. ISO dates take the fast path (a plain cast).
CREATE OR REPLACE TEMP MACRO rf_date(v) AS
    CASE WHEN v IS NULL THEN NULL
         WHEN length(v) = 10 AND v[5] = '-' AND v[8] = '-' AND v[1] BETWEEN '0' AND '9'
         THEN TRY_CAST(v AS DATE)
         WHEN regexp_full_match(rf_clean(v), '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}-[0-9]{1,2}-[0-9]{4}|[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}')
         THEN CAST(try_strptime(rf_clean(v), ['%Y-%m-%d', '%d-%m-%Y', '%d.%m.%Y']) AS DATE)
    END;

-- Booleans: the canonical spellings first (a plain CASE; large IN lists are slower here).
CREATE OR REPLACE TEMP MACRO rf_bool(v) AS
    CASE v WHEN 'true' THEN true WHEN 'false' THEN false
        ELSE CASE lower(rf_clean(v))
            WHEN 'ja' THEN true WHEN 'true' THEN true WHEN '1' THEN true
            WHEN 'sand' THEN true WHEN 'j' THEN true WHEN 'yes' THEN true
            WHEN 'nej' THEN false WHEN 'false' THEN false WHEN '0' THEN false
            WHEN 'falsk' THEN false WHEN 'n' THEN false WHEN 'no' THEN false
        END
    END;

-- Quarters: 2024-Q1, 2024Q1, 2024K1 (Statistics Denmark), any case -> '2024-Q1'.
CREATE OR REPLACE TEMP MACRO rf_quarter(v) AS
    CASE WHEN regexp_full_match(rf_clean(v), '[0-9]{4}-?[QqKk][1-4]')
         THEN left(rf_clean(v), 4) || '-Q' || right(rf_clean(v), 1)
    END;

CREATE OR REPLACE TEMP MACRO rf_quarter_start(q) AS
    make_date(CAST(left(q, 4) AS INTEGER), 3 * CAST(right(q, 1) AS INTEGER) - 2, 1);

-- A run of digits and dashes, split at its dashes ('0000000000-2107834567' -> both parts), holds a
-- CPR number where a part of ten digits, or a part of six followed by one of four, starts with
-- a valid date (DDMMYY): the same numbers Python's pattern finds (etl/contract.py).
CREATE OR REPLACE TEMP MACRO rf_cpr_in_run(p) AS
    coalesce(list_bool_or(list_transform(range(1, len(p) + 1), lambda i:
        (length(p[i]) = 10 AND try_strptime(left(p[i], 6), '%d%m%y') IS NOT NULL)
        OR (i < len(p) AND length(p[i]) = 6 AND length(p[i + 1]) = 4
            AND try_strptime(p[i], '%d%m%y') IS NOT NULL))), false);

-- A CPR number anywhere in a value: DDMMYY-SSSS or ten digits whose first six digits are a valid
-- date, every such number in the value (not only the first); or a value of nine digits alone,
-- whitespace around it: a number cell (XLSX, Parquet, or CSV digits from a spreadsheet) that lost
-- the CPR number's leading zero, checked as ten digits with the zero restored.
-- One linear-time pattern finds every value that may hold one (RE2 scans a value once), so
-- almost every value costs one scan; only its matches pay for the exact branches and the date
-- checks (a CASE, since the optimiser may reorder the terms of an AND).
CREATE OR REPLACE TEMP MACRO rf_is_cpr(v) AS
    CASE WHEN length(v) < 9 THEN false
         WHEN NOT regexp_matches(v, '(^|[^0-9])([0-9]{6}-?[0-9]{4}|[0-9]{9})([^0-9]|$)') THEN false
         WHEN regexp_full_match(v, '[\s\pZ\x{85}]*[0-9]{9}[\s\pZ\x{85}]*')
         THEN try_strptime('0' || left(regexp_extract(v, '[0-9]{9}'), 5), '%d%m%y') IS NOT NULL
         ELSE coalesce(list_bool_or(list_transform(regexp_extract_all(v, '[0-9]+(-[0-9]+)*'),
                                                   lambda run: rf_cpr_in_run(string_split(run, '-')))), false)
    END;

-- Control characters (NUL, bell, escape, delete ...) have no place in a value; tab, line feed and
-- carriage return do (a quoted CSV field may span lines).
CREATE OR REPLACE TEMP MACRO rf_has_control(v) AS
    regexp_matches(v, '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]');
