-- rightsize: daily roll-up of Dataverse activity for tenants that outgrow one machine.
--
-- Run on the engine where the Dataverse tables already land (Microsoft Fabric / Synapse Link,
-- Databricks: Spark SQL), export the result as CSV, and drop it into rightsize's input folder
-- in place of the raw audit and conversation exports it was made from (rightsize refuses a
-- folder holding both: they would be counted twice). rightsize recognises it as
-- `activity-daily` (user_id, date, operation, events + optional columns) and analyses it
-- exactly as it would the raw audit and conversation rows. See the README's recipe.
--
-- Inputs (column names as Dataverse writes them):
--   audit                 createdon, operation, action, objecttypecode, _userid_value, _objectid_value
--   msdyn_ocliveworkitem  msdyn_channel, _msdyn_activeagentid_value, msdyn_startedon,
--                         msdyn_isagentaccepted
--   systemuser            systemuserid, azureactivedirectoryobjectid, msdyn_botapplicationid
-- Columns are read as text (createdon as ISO 8601 text in UTC); the date is its first ten
-- characters. Where a column is a timestamp instead, run with the session time zone UTC
-- (Spark: SET spark.sql.session.timeZone = UTC) so that its text is the UTC date.
--
-- THE ONE SETTING, in `settings` below: own_record_rule must be rightsize's policy
-- `audit_own_record` ('never', the default policy, or 'creator'). With 'creator' a write to a
-- record the same user created counts as their own; with 'never' no write does. The rule is
-- written in every row, and rightsize stops when it differs from the policy.
--
-- Written in the SQL that Spark SQL and Polars' SQL context both run (the repository's test
-- runs this very file through Polars and compares the classes with the raw-event path).

WITH settings AS (
    SELECT 'never' AS own_record_rule
),
users AS (
    SELECT LOWER(systemuserid) AS dataverse_id,
           LOWER(azureactivedirectoryobjectid) AS entra_id
    FROM systemuser
    WHERE azureactivedirectoryobjectid IS NOT NULL
),
bots AS (
    SELECT LOWER(systemuserid) AS dataverse_id
    FROM systemuser
    WHERE msdyn_botapplicationid IS NOT NULL
),
created AS (
    SELECT DISTINCT LOWER(_userid_value) AS uid, LOWER(_objectid_value) AS obj
    FROM audit
    WHERE operation = '1' AND _objectid_value IS NOT NULL
),
audit_events AS (
    SELECT LOWER(a._userid_value) AS uid,
           SUBSTR(a.createdon, 1, 10) AS date,
           CASE a.operation
               WHEN '1' THEN 'create'
               WHEN '2' THEN 'update'
               WHEN '5' THEN 'update'
               WHEN '3' THEN 'delete'
               ELSE 'access'
           END AS operation,
           CASE WHEN a.operation = '4' THEN CAST(NULL AS STRING)
                ELSE LOWER(a.objecttypecode) END AS table_name,
           CASE WHEN s.own_record_rule = 'creator' AND c.obj IS NOT NULL THEN 'true'
                ELSE 'false' END AS own_record,
           CAST(NULL AS STRING) AS channel
    FROM audit a
    CROSS JOIN settings s
    LEFT JOIN created c
        ON LOWER(a._userid_value) = c.uid AND LOWER(a._objectid_value) = c.obj
    WHERE a.operation IN ('1', '2', '3', '4', '5')
      AND COALESCE(a.action, '') NOT IN ('112', '113')
      AND a._userid_value IS NOT NULL
),
conversation_events AS (
    SELECT LOWER(w._msdyn_activeagentid_value) AS uid,
           SUBSTR(w.msdyn_startedon, 1, 10) AS date,
           'access' AS operation,
           CAST(NULL AS STRING) AS table_name,
           'false' AS own_record,
           -- as written (a code or a name): rightsize maps it to voice / digital / none
           -- with its channel map and rejects a value it does not know
           TRIM(CAST(w.msdyn_channel AS STRING)) AS channel
    FROM msdyn_ocliveworkitem w
    LEFT JOIN bots b ON LOWER(w._msdyn_activeagentid_value) = b.dataverse_id
    WHERE w._msdyn_activeagentid_value IS NOT NULL
      AND w.msdyn_startedon IS NOT NULL
      AND b.dataverse_id IS NULL
      -- a conversation the agent did not accept is not their work
      AND LOWER(TRIM(COALESCE(CAST(w.msdyn_isagentaccepted AS STRING), ''))) NOT IN ('false', '0')
),
events AS (
    SELECT * FROM audit_events
    UNION ALL
    SELECT * FROM conversation_events
),
mapped AS (
    SELECT COALESCE(u.entra_id, e.uid) AS user_id,
           e.date, e.operation, e.table_name, e.own_record, e.channel
    FROM events e
    LEFT JOIN users u ON e.uid = u.dataverse_id
)
SELECT m.user_id, m.date, m.operation, m.table_name, m.own_record, m.channel,
       s.own_record_rule, COUNT(*) AS events
FROM mapped m
CROSS JOIN settings s
GROUP BY m.user_id, m.date, m.operation, m.table_name, m.own_record, m.channel, s.own_record_rule
ORDER BY m.user_id, m.date, m.operation, m.table_name, m.own_record, m.channel
