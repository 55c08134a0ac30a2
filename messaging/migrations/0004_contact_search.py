"""Staff search one vector per contact (messaging.models.ContactSearch), kept by triggers.

Safe on a live database: the new table is filled before anything reads it, the triggers
exist before the fill (so a message written meanwhile is not missed: the fill never
overwrites a row a trigger wrote, which saw more), and both indexes are built
CONCURRENTLY, so neither messages nor contacts are locked against writes. Reversible: back
to 0003 drops the indexes, the triggers and their functions, and the table.
"""

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models

# Up to this many characters of text a contact's vector keeps positions (quoted phrases
# match); beyond, the words of the newest WINDOW characters without positions. Both keep a
# tsvector well under PostgreSQL's 1 MB (at most ~12 bytes per character with three configs).
POSITIONS_UP_TO = 50_000
WINDOW = 100_000

CREATE = f"""
CREATE AGGREGATE messaging_tsvector_agg(tsvector) (
    SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = ''
);

CREATE FUNCTION messaging_contact_words(contact bigint) RETURNS tsvector
LANGUAGE plpgsql STABLE AS $$
DECLARE
    total bigint;
BEGIN
    SELECT sum(length(m.body)) INTO total FROM messaging_message m WHERE m.contact_id = contact;
    IF total IS NULL THEN
        RETURN ''::tsvector;
    ELSIF total <= {POSITIONS_UP_TO} THEN
        RETURN (SELECT messaging_tsvector_agg(m.search ORDER BY m.created_at, m.id)
                FROM messaging_message m WHERE m.contact_id = contact);
    END IF;
    RETURN coalesce(
        (SELECT messaging_tsvector_agg(strip(t.search))
         FROM (SELECT m.search,
                      sum(length(m.body)) OVER (ORDER BY m.created_at DESC, m.id DESC) AS upto
               FROM messaging_message m WHERE m.contact_id = contact) t
         WHERE t.upto <= {WINDOW}),
        ''::tsvector);
END $$;

-- Statement-level, with transition tables: one statement per write, however many rows
-- (a COPY of a million messages refreshes each contact once).
CREATE FUNCTION messaging_contact_search_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO messaging_contactsearch (contact_id, vector)
        SELECT t.contact_id, messaging_contact_words(t.contact_id)
        FROM (SELECT DISTINCT n.contact_id FROM new_messages n) t
        ON CONFLICT (contact_id) DO UPDATE SET vector = EXCLUDED.vector;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        -- Only rows that exist: a contact being deleted (its messages first) gets none back.
        UPDATE messaging_contactsearch s SET vector = messaging_contact_words(s.contact_id)
        WHERE s.contact_id IN (SELECT o.contact_id FROM old_messages o);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER messaging_contact_search_insert AFTER INSERT ON messaging_message
    REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION messaging_contact_search_refresh();
CREATE TRIGGER messaging_contact_search_update AFTER UPDATE ON messaging_message
    REFERENCING OLD TABLE AS old_messages NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION messaging_contact_search_refresh();
CREATE TRIGGER messaging_contact_search_delete AFTER DELETE ON messaging_message
    REFERENCING OLD TABLE AS old_messages
    FOR EACH STATEMENT EXECUTE FUNCTION messaging_contact_search_refresh();
"""

DROP = """
DROP TRIGGER IF EXISTS messaging_contact_search_insert ON messaging_message;
DROP TRIGGER IF EXISTS messaging_contact_search_update ON messaging_message;
DROP TRIGGER IF EXISTS messaging_contact_search_delete ON messaging_message;
DROP FUNCTION IF EXISTS messaging_contact_search_refresh();
DROP FUNCTION IF EXISTS messaging_contact_words(bigint);
DROP AGGREGATE IF EXISTS messaging_tsvector_agg(tsvector);
"""

# Set-based for the usual contact, the function for the few long threads; DO NOTHING keeps
# a row a trigger wrote during the fill (its snapshot is newer than the fill's).
FILL = f"""
INSERT INTO messaging_contactsearch (contact_id, vector)
SELECT m.contact_id, messaging_tsvector_agg(m.search ORDER BY m.created_at, m.id)
FROM messaging_message m
GROUP BY m.contact_id
HAVING sum(length(m.body)) <= {POSITIONS_UP_TO}
ON CONFLICT (contact_id) DO NOTHING;

INSERT INTO messaging_contactsearch (contact_id, vector)
SELECT c.id, messaging_contact_words(c.id)
FROM messaging_contact c
WHERE EXISTS (SELECT 1 FROM messaging_message m WHERE m.contact_id = c.id)
  AND NOT EXISTS (SELECT 1 FROM messaging_contactsearch s WHERE s.contact_id = c.id)
ON CONFLICT (contact_id) DO NOTHING;
"""


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run in a transaction.
    atomic = False

    dependencies = [
        ("messaging", "0003_contact_first_resolution"),
    ]

    operations = [
        migrations.CreateModel(
            name="ContactSearch",
            fields=[
                (
                    "contact",
                    models.OneToOneField(
                        editable=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="search_document",
                        serialize=False,
                        to="messaging.contact",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField(editable=False)),
            ],
        ),
        migrations.RunSQL(CREATE, DROP, elidable=False),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
        AddIndexConcurrently(
            model_name="contact",
            index=models.Index(fields=["-last_message_at", "-id"], name="contact_recent"),
        ),
        AddIndexConcurrently(
            model_name="contactsearch",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["vector"], name="contact_search"
            ),
        ),
    ]
