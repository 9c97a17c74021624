"""CSV import/export: normalisation, deduplication, line-by-line report, round trip."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.directory.contact_rows import RowError
from bot.directory.contacts_csv import export_contacts, import_contacts
from bot.models import AuditLog, Contact, ContactIdentity, ContactTag
from tests.factories import make_project

GOOD_DUP_BAD = (
    "display_name,phone,phone2,email,tags,capacity_band,relationship_strength,status,notes,"
    "favourite_colour\n"
    "Anita Sharma,098765 43210,,anita@example.org,warm;donor,25k-1L,4,active,"
    "Prefers calls after 6,blue\n"
    """अनीता शर्मा,+91-98765-43210,,,vip,,,,,
Rohan Iyer,9876543211,+91 99887 76655,,cold,5k-25k,2,,,green
,9876543212,,,,,,,no name,
Bad Phone,12345,,,,,,,,
Too Strong,9876543213,,,,,6,,,
Odd Status,9876543214,,,,,,sleeping,,
Zoë D'Mello,9876543210,,,renewal,,,,,
Bad Mail,9876543215,,not-an-email,,,,,,
ராஜேஷ் குமார்,+91 90000 12345,,,,1L+,5,do_not_contact,,
"""
)


def test_import_report_line_by_line(db) -> None:
    project = make_project(db)
    with db.session() as session:
        report = import_contacts(session, project, GOOD_DUP_BAD, actor="cli")
    got = [(r.line, r.status, r.reason) for r in report.rows]
    assert got == [
        (2, "imported", ""),
        (3, "updated", ""),  # same number written another way → same contact, renamed, tag added
        (4, "imported", ""),
        (5, "skipped", "no display_name"),
        (6, "skipped", "phone: '12345' is not a valid phone number for region IN"),
        (7, "skipped", "relationship_strength must be 1 to 5, not 6"),
        (8, "skipped", "status must be one of active, inactive, do_not_contact, not 'sleeping'"),
        (9, "updated", ""),
        (10, "skipped", "email: 'not-an-email' is not an email address"),
        (11, "imported", ""),
    ]
    assert report.warnings == ["ignored columns: favourite_colour"]
    assert (report.imported, report.updated, report.skipped) == (3, 2, 5)
    assert (
        "line 6: skipped – phone: '12345' is not a valid phone number for region IN"
        in report.as_text()
    )
    assert report.to_csv().splitlines()[1] == "2,imported,Anita Sharma,"

    with db.session() as session:
        contacts = session.scalars(select(Contact).where(Contact.project_id == project.id)).all()
        assert len(contacts) == 3
        anita = session.scalar(
            select(Contact)
            .join(ContactIdentity, ContactIdentity.contact_id == Contact.id)
            .where(ContactIdentity.value == "+919876543210")
        )
        assert anita.display_name == "Zoë D'Mello"  # last row wins, non-ASCII kept byte for byte
        tags = session.scalars(
            select(ContactTag.tag).where(ContactTag.contact_id == anita.id).order_by(ContactTag.tag)
        ).all()
        assert tags == ["donor", "renewal", "vip", "warm"]
        rohan = session.scalar(select(Contact).where(Contact.display_name == "Rohan Iyer"))
        phones = session.scalars(
            select(ContactIdentity.value)
            .where(ContactIdentity.contact_id == rohan.id)
            .order_by(ContactIdentity.value)
        ).all()
        assert phones == ["+919876543211", "+919988776655"]
        tamil = session.scalar(select(Contact).where(Contact.display_name == "ராஜேஷ் குமார்"))
        assert tamil.status == "do_not_contact"
        # skipped rows left nothing behind
        assert (
            session.scalar(
                select(func.count())
                .select_from(ContactIdentity)
                .where(
                    ContactIdentity.value.in_(
                        ["+919876543212", "+919876543213", "+919876543214", "+919876543215"]
                    )
                )
            )
            == 0
        )


def test_reimport_changes_nothing_and_keeps_do_not_contact(db) -> None:
    project = make_project(db)
    with db.session() as session:
        import_contacts(session, project, GOOD_DUP_BAD, actor="cli")
        exported = export_contacts(session, project)
    with db.session() as session:
        audits_before = session.scalar(select(func.count()).select_from(AuditLog))
        report = import_contacts(session, project, exported, actor="cli")
        assert {r.status for r in report.rows} == {"unchanged"}
        assert session.scalar(select(func.count()).select_from(AuditLog)) == audits_before
    lifted = "display_name,phone,status\nராஜேஷ் குமார்,+919000012345,active\n"
    with db.session() as session:
        report = import_contacts(session, project, lifted, actor="cli")
        assert [(r.status, r.reason) for r in report.rows] == [("unchanged", "kept do_not_contact")]
        tamil = session.scalar(select(Contact).where(Contact.display_name == "ராஜேஷ் குமார்"))
        assert tamil.status == "do_not_contact"


def test_export_round_trips_through_import(db) -> None:
    first, second = make_project(db, "First"), make_project(db, "Second")
    with db.session() as session:
        import_contacts(session, first, GOOD_DUP_BAD, actor="cli")
        exported = export_contacts(session, first)
        import_contacts(session, second, exported, actor="cli")
        again = export_contacts(session, second)
    assert again == exported
    assert (
        exported.splitlines()[0]
        == "display_name,phone,phone2,email,tags,capacity_band,relationship_strength,status,notes"
    )
    assert len(exported.splitlines()) == 4


def test_identity_claimed_by_two_contacts_is_refused(db) -> None:
    project = make_project(db)
    with db.session() as session:
        import_contacts(
            session, project, "display_name,phone\nA,9876500001\nB,9876500002\n", actor="cli"
        )
        report = import_contacts(
            session, project, "display_name,phone,phone2\nAB,9876500001,9876500002\n", actor="cli"
        )
    assert [(r.status, r.reason) for r in report.rows] == [
        ("skipped", "its phone numbers/email belong to different existing contacts")
    ]


def test_file_without_name_column_is_refused(db) -> None:
    project = make_project(db)
    with db.session() as session:
        try:
            import_contacts(session, project, "name,phone\nA,9876500001\n", actor="cli")
        except RowError as exc:
            assert "no display_name column" in str(exc)
        else:
            raise AssertionError("a file without display_name must be refused")
        assert session.scalar(select(func.count()).select_from(Contact)) == 0
