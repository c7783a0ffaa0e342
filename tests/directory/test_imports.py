"""Importing partners from CSV: every bad file and bad row gets a clear answer, the good
rows are saved, a second import updates instead of duplicating, and 10,000 rows go
through the worker in chunks with progress."""

import io

import pytest
from sqlalchemy import func, select

from consult.directory import services
from consult.directory.imports import ImportFileError, read_partners
from consult.directory.models import Contact, Organisation, PartnerImport
from consult.extensions import db
from tests import factories
from worker.tasks.directory import import_partners, sweep_imports

SECTORS = {"school": "School", "police": "Police", "nhs trust": "NHS trust", "nhs": "NHS trust"}

GOOD = (
    "Organisation,Sector,Contact name,Contact role,Contact email,Contact phone\n"
    "Wingfield Academy,School,Ann Head,Headteacher,head@wingfield.example,01709 000000\n"
    "Wingfield Academy,School,Bob Bursar,Business manager,bursar@wingfield.example,\n"
    "South Yorkshire Police,Police,Chris Inspector,District commander,"
    "commander@syp.example,+44 114 000 0000\n"
)


def read(text, existing=(), encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return read_partners(data, sectors=SECTORS, existing_organisations=set(existing))


# The file as a whole


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"  \r\n \n", "The file is empty"),
        (b"Organisation,Sector\n", "has column headings but no partners"),
        (b"Name of school,Kind\nWingfield,School\n", "has no “organisation” column"),
        (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", "is an Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "is an Excel workbook"),
        (b"%PDF-1.7\n...", "is a PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file Consult can read"),
        (b"Organisation,Sector\x00\x01\x02", "not a CSV file Consult can read"),
        (b"Organisation,organisation name\nA,B\n", "are both “organisation”"),
        (b"x" * 20_000 + b"\nA\n", "The first line is too long"),
        (b"\n\nA\n", "It is blank"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(data, message):
    with pytest.raises(ImportFileError, match=message):
        read(data)


def test_a_file_over_the_size_cap_is_refused():
    with pytest.raises(ImportFileError, match="bigger than 5 MB"):
        read(b"Organisation\n" + b"A\n" * (3 * 1024 * 1024))


def test_headings_match_by_name_in_any_order_and_case():
    plan = read(
        "CONTACT EMAIL; organisation ;Sector;Favourite colour;contact_name\n"
        "head@wingfield.example;Wingfield Academy;school;blue;Ann Head\n"
    )
    assert plan.problems == []
    [row] = plan.rows
    assert (row.organisation, row.sector, row.contact_email) == (
        "Wingfield Academy",
        "School",
        "head@wingfield.example",
    )
    assert plan.ignored_columns == ["Favourite colour"]


@pytest.mark.parametrize(
    ("prefix", "encoding"),
    [(b"", "utf-8"), (b"\xef\xbb\xbf", "utf-8"), (b"", "cp1252"), (b"", "utf-16")],
)
def test_excel_encodings_are_read(prefix, encoding):
    text = (
        "Organisation,Sector,Contact name\nSt Mary’s C of E Primary – Rotherham,School,Zoë Brontë\n"  # noqa: RUF001
    )
    plan = read(prefix + text.encode(encoding))
    [row] = plan.rows
    assert row.organisation == "St Mary’s C of E Primary – Rotherham"  # noqa: RUF001
    assert row.contact_name == "Zoë Brontë"


def test_every_bad_row_is_listed_by_line_and_column_and_good_rows_are_kept():
    plan = read(
        "Organisation,Sector,Contact name,Contact email\n"
        "Wingfield Academy,School,Ann Head,head@wingfield.example\n"  # 2: good
        ",School,Nobody,nobody@nowhere.example\n"  # 3: no organisation
        "Rotherham Hospital,Hospitals,Dee Doctor,dee@rft.example\n"  # 4: unknown sector
        "Oakwood High,School,Ed Teacher,not-an-email\n"  # 5: bad email
        "New Partner,,Fay,fay@new.example\n"  # 6: new organisation, no sector
        "Wingfield Academy,Police,Gus,gus@wingfield.example\n"  # 7: sector disagrees
        "Wingfield Academy,School,Ann Again,head@wingfield.example\n"  # 8: same contact twice
        "Oakwood High,School,,ed@oakwood.example\n"  # 9: email without a name
        "Clifton School,School,Hal,hal@clifton.example,surplus\n"  # 10: an extra cell
        "\n"  # blank lines are skipped
        "Police Station,Police\n"  # 12: good, no contact
    )
    problems = {(p.line, p.column): p.message for p in plan.problems}
    assert problems[(3, "organisation")] == "The organisation's name is blank"
    assert "“Hospitals” is not a sector" in problems[(4, "sector")]
    assert "NHS trust, Police, School" in problems[(4, "sector")]
    assert problems[(5, "contact email")] == "“not-an-email” is not a valid email address"
    assert "this is a new organisation" in problems[(6, "sector")]
    assert problems[(7, "sector")] == "Line 2 puts this organisation in School, this line in Police"
    assert problems[(8, "contact email")] == "Line 2 has this contact already"
    assert "name is blank" in problems[(9, "contact name")]
    assert "has 5 cells but the headings name 4" in problems[(10, "")]
    assert [row.line for row in plan.rows] == [2, 12]
    assert plan.total_rows == 10


def test_existing_organisations_need_no_sector():
    plan = read(
        "Organisation,Contact name\nWingfield Academy,Ann\n", existing={"wingfield academy"}
    )
    assert plan.problems == []


def test_long_cells_and_long_lines_are_reported():
    long_name = "A" * 301
    plan = read(f"Organisation,Sector,Notes\n{long_name},School,\nB,School,{'n' * 10_001}\n")
    assert [(p.line, p.column) for p in plan.problems] == [(2, "organisation"), (3, "")]
    assert "longer than 300 characters" in plan.problems[0].message
    assert "longer than 10,000 characters" in plan.problems[1].message


def test_a_cell_too_long_for_the_csv_reader_is_a_problem_not_a_crash():
    plan = read('Organisation,Sector\n"' + "x" * 200_000 + '",School\n')
    assert plan.problems and "too long" in plan.problems[0].message


def test_cells_that_look_like_formulas_are_kept_as_plain_text():
    plan = read(
        "Organisation,Sector,Contact name,Contact phone\n"
        '"=HYPERLINK(""http://evil.example"",""x"")",School,@Ann,+44 1709 000000\n'
        "-Minus Trust,School,Bo,\n"
    )
    assert plan.problems == []
    assert plan.rows[0].organisation == '=HYPERLINK("http://evil.example","x")'
    assert plan.rows[0].contact_name == "@Ann"
    assert plan.rows[0].contact_phone == "+44 1709 000000"
    assert plan.formula_cells == 4


# Saving: the preview, the confirmation, the worker, a second import


def prepare(data, officer=None):
    partner_import = services.prepare_import(
        data.encode() if isinstance(data, str) else data, filename="partners.csv", by=officer
    )
    db.session.commit()
    return partner_import


def run_import(partner_import):
    services.confirm_import(partner_import)
    db.session.commit()
    summary = import_partners(partner_import.id)  # the task works in a session of its own
    db.session.expire_all()
    return summary


def test_a_preview_saves_nothing_but_the_file_and_counts_what_it_would_do(app):
    factories.create_sector("police", "Police")
    factories.create_sector()
    factories.create_organisation("Wingfield Academy", contact_email="head@wingfield.example")
    db.session.commit()
    organisations_before = db.session.scalar(select(func.count(Organisation.id)))

    partner_import = prepare(GOOD)

    assert db.session.scalar(select(func.count(Organisation.id))) == organisations_before
    assert partner_import.status == "previewed"
    assert (partner_import.total_rows, partner_import.good_rows) == (3, 3)
    assert partner_import.summary["organisations_new"] == 1
    assert partner_import.summary["organisations_existing"] == 1
    assert partner_import.summary["contacts_new"] == 2
    assert partner_import.summary["contacts_existing"] == 1


def test_the_worker_imports_the_good_rows_and_a_reimport_updates_them(app):
    officer = factories.create_user("officer")
    factories.create_sector("police", "Police")
    factories.create_sector()
    db.session.commit()

    first = prepare(GOOD + "Bad Row,Nowhere,,\n", officer)
    summary = run_import(first)

    assert summary["organisations_added"] == 2
    assert summary["contacts_added"] == 3
    assert first.status == "done" and first.done_rows == 3
    assert first.content == ""  # the file's personal details are not kept
    wingfield = db.session.scalar(
        select(Organisation).where(Organisation.name == "Wingfield Academy")
    )
    assert wingfield.sector.name == "School"
    assert [contact.email for contact in wingfield.contacts] == [
        "head@wingfield.example",
        "bursar@wingfield.example",
    ]
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Bad Row")) is None

    second = prepare(
        "organisation,contact email,contact role,contact name,address\n"
        "WINGFIELD ACADEMY,HEAD@wingfield.example,Executive headteacher,Ann Head,Wingfield Road\n"
        "South Yorkshire Police,,,Chris Inspector,\n"
        "South Yorkshire Police,new@syp.example,,Dana New,\n",
        officer,
    )
    assert second.summary["organisations_new"] == 0
    assert second.summary["contacts_existing"] == 2
    summary = run_import(second)

    assert db.session.scalar(select(func.count(Organisation.id))) == 2
    assert db.session.scalar(select(func.count(Contact.id))) == 4
    assert summary["organisations_updated"] == 1
    assert summary["contacts_updated"] == 1
    assert summary["contacts_added"] == 1
    db.session.expire_all()
    head = db.session.scalar(select(Contact).where(Contact.email == "head@wingfield.example"))
    assert head.role == "Executive headteacher"
    assert head.phone == "01709 000000"  # a blank cell leaves what was there
    assert head.organisation.address == "Wingfield Road"


def test_a_contact_with_no_email_gains_one_on_reimport(app):
    factories.create_sector()
    db.session.commit()
    run_import(prepare("Organisation,Sector,Contact name\nOakwood High,School,Ed Teacher\n"))
    run_import(
        prepare("Organisation,Contact name,Contact email\nOakwood High,Ed Teacher,ed@oak.example\n")
    )
    assert db.session.scalars(select(Contact.email)).all() == ["ed@oak.example"]


def test_ten_thousand_rows_import_in_chunks_with_progress(app, count_queries):
    factories.create_sector()
    db.session.commit()
    lines = ["Organisation,Sector,Contact name,Contact email"]
    lines += [
        f"School {number},School,Head {number},head{number}@school{number}.example"
        for number in range(10_000)
    ]
    partner_import = prepare("\n".join(lines))
    assert partner_import.good_rows == 10_000
    services.confirm_import(partner_import)
    db.session.commit()

    progress = []
    with count_queries() as counter:
        assert services.claim_import(partner_import.id)
        for done in services.import_partners(partner_import, chunk_rows=2_000):
            db.session.commit()
            progress.append(done)
    assert progress == [2_000, 4_000, 6_000, 8_000, 10_000]
    # a few statements a chunk, not one a row
    assert counter.count < 60
    assert db.session.scalar(select(func.count(Contact.id))) == 10_000


def test_a_confirmed_import_whose_task_was_lost_is_handed_out_again(app):
    factories.create_sector()
    db.session.commit()
    partner_import = prepare("Organisation,Sector\nOakwood High,School\n")
    services.confirm_import(partner_import)
    db.session.commit()
    assert services.release_stalled_imports() == []  # just queued: give the task a chance

    from datetime import timedelta

    from consult.db import utcnow

    partner_import.updated_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert sweep_imports() == 1
    assert import_partners(partner_import.id) is not None
    assert import_partners(partner_import.id) is None  # a second delivery does nothing


def test_an_import_cannot_be_confirmed_twice(app):
    factories.create_sector()
    db.session.commit()
    partner_import = prepare("Organisation,Sector\nOakwood High,School\n")
    run_import(partner_import)
    with pytest.raises(services.DirectoryError, match="already been imported"):
        services.confirm_import(partner_import)


# The pages


def upload(client, data, filename="partners.csv"):
    return client.post(
        "/partners/import",
        data={"upload": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_the_import_pages_preview_confirm_and_show_progress(app, client, sign_in):
    factories.create_sector("police", "Police")
    factories.create_sector()
    db.session.commit()
    sign_in("officer")

    response = upload(client, (GOOD + "Bad Row,Nowhere,,\n").encode("cp1252"))
    assert response.status_code == 302
    preview = client.get(response.location)
    page = preview.get_data(as_text=True)
    assert "Check the file before importing it" in page
    assert "“Nowhere” is not a sector" in page
    assert "Import 3 rows, leaving out the rows with problems" in page
    assert db.session.scalar(select(func.count(Organisation.id))) == 0

    partner_import = db.session.scalar(select(PartnerImport))
    confirmed = client.post(f"/partners/imports/{partner_import.id}/confirm")
    assert confirmed.status_code == 302
    assert client.get(f"/partners/imports/{partner_import.id}.json").json == {
        "status": "queued",
        "done": 0,
        "total": 3,
        "waiting": 1,
    }
    assert "Importing partners" in client.get(response.location).get_data(as_text=True)

    import_partners(partner_import.id)
    done = client.get(response.location).get_data(as_text=True)
    assert "Partners imported" in done
    assert "Rows left out" in done
    again = client.post(f"/partners/imports/{partner_import.id}/confirm")
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Organisation.id))) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Select a CSV file of partners"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not a CSV file Consult can read"),
        (b"Kind,Town\nSchool,Rotherham\n", "has no “organisation” column"),
    ],
)
def test_a_bad_upload_is_a_400_with_the_reason_and_saves_nothing(
    app, client, sign_in, data, message
):
    sign_in("officer")
    response = upload(client, data, filename="partners.csv" if data else "")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(PartnerImport.id))) == 0


def test_an_import_with_no_good_rows_cannot_be_confirmed(app, client, sign_in):
    sign_in("officer")
    upload(client, b"Organisation,Sector\nSomewhere,Nowhere\n")
    partner_import = db.session.scalar(select(PartnerImport))
    assert "No row of this file can be imported" in client.get(
        f"/partners/imports/{partner_import.id}"
    ).get_data(as_text=True)
    client.post(f"/partners/imports/{partner_import.id}/confirm")
    db.session.refresh(partner_import)
    assert partner_import.status == "previewed"


def test_the_command_line_import_shows_progress_and_lists_bad_rows(app, tmp_path):
    factories.create_sector()
    db.session.commit()
    path = tmp_path / "partners.csv"
    path.write_bytes(
        b"\xef\xbb\xbfOrganisation,Sector,Contact name,Contact email\n"
        b"Oakwood High,School,Ed Teacher,ed@oak.example\n"
        b"Clifton School,School,Hal,not-an-email\n"
    )
    result = app.test_cli_runner().invoke(args=["consult", "import-partners", str(path)])
    assert result.exit_code == 0, result.output
    assert "Line 3, contact email: “not-an-email” is not a valid email address" in result.output
    assert "Importing" in result.output
    assert "Added 1 organisations and 1 contacts" in result.output
    assert db.session.scalars(select(Organisation.name)).all() == ["Oakwood High"]

    dry = app.test_cli_runner().invoke(args=["consult", "import-partners", "--dry-run", str(path)])
    assert "Nothing was saved" in dry.output

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    failed = app.test_cli_runner().invoke(args=["consult", "import-partners", str(empty)])
    assert failed.exit_code == 1
    assert "The file is empty" in failed.output


def test_an_admin_renames_a_sector(app, client, sign_in):
    sector = factories.create_sector()
    factories.create_sector("police", "Police")
    db.session.commit()
    sign_in("admin")
    response = client.post(f"/sectors/{sector.id}/edit", data={"name": "Schools and academies"})
    assert response.status_code == 302
    assert "Schools and academies" in client.get("/sectors").get_data(as_text=True)
    clash = client.post(f"/sectors/{sector.id}/edit", data={"name": "police"})
    assert clash.status_code == 400
    assert "There is already a sector called police" in clash.get_data(as_text=True)
    blank = client.post(f"/sectors/{sector.id}/edit", data={"name": "  "})
    assert blank.status_code == 400
