// tests/addressing/table_edit_test.cpp
//
// Entry edits in a table's text (the administration API's add, replace
// and delete) and the import's list of every bad line.
#include "addressing/table_edit.hpp"

#include <gtest/gtest.h>

namespace ad = x400gw::addressing;
using ad::edit_status;
using ad::table_kind;

namespace {

constexpr std::string_view table2 = "# MCGAMs of the lab\n"
                                    "widget.example#O$Widget.ADMD$BTT.C$TC#\n"
                                    "\n"
                                    "acme.example#PRMD$Acme.ADMD$ .C$GB#\n";

} // namespace

TEST(TableEdit, AddAppendsAndKeepsCommentsAndOrder)
{
    auto r = ad::add_entry(table2, table_kind::domain_to_or, "new.example", "O$New.ADMD$BTT.C$TC");
    ASSERT_EQ(r.status, edit_status::done) << r.why;
    EXPECT_EQ(r.text, std::string(table2) + "new.example#O$New.ADMD$BTT.C$TC#\n");
    EXPECT_EQ(r.entry.domain, "new.example");
    EXPECT_EQ(r.entry.line, 5u);
}

TEST(TableEdit, ATableFromAWindowsEditorIsEditedByItsLines)
{
    std::string const text = "\xEF\xBB\xBF# MCGAMs\r\nwidget.example#O$Widget.ADMD$BTT.C$TC#\r\n";
    auto r = ad::replace_entry(text, table_kind::domain_to_or, "widget.example", "O$Gadget.ADMD$BTT.C$TC");
    ASSERT_EQ(r.status, edit_status::done) << r.why;
    EXPECT_EQ(r.text, "# MCGAMs\nwidget.example#O$Gadget.ADMD$BTT.C$TC#\n");
    EXPECT_EQ(r.entry.line, 2u);
}

TEST(TableEdit, AddRefusesAKeyThatIsThereInAnyCase)
{
    auto r = ad::add_entry(table2, table_kind::domain_to_or, "WIDGET.Example.", "O$Other.ADMD$BTT.C$TC");
    EXPECT_EQ(r.status, edit_status::exists);
    EXPECT_NE(r.why.find("line 2"), std::string::npos) << r.why;
}

TEST(TableEdit, AddRefusesABadEntryWithTheReason)
{
    auto r = ad::add_entry(table2, table_kind::domain_to_or, "x.example", "O$A.C$GB.ADMD$B");
    EXPECT_EQ(r.status, edit_status::bad_entry);
    EXPECT_FALSE(r.why.empty());
    EXPECT_EQ(r.why.find("entry:"), std::string::npos) << r.why;
    EXPECT_EQ(ad::add_entry(table2, table_kind::domain_to_or, "x.example#y", "O$A.ADMD$B.C$GB").status,
              edit_status::bad_entry);
    EXPECT_EQ(ad::add_entry(table2, table_kind::domain_to_or, "x.example", "O$A.ADMD$B.C$GB\nz#").status,
              edit_status::bad_entry);
    EXPECT_EQ(ad::add_entry(table2, table_kind::domain_to_or, "", "O$A.ADMD$B.C$GB").status, edit_status::bad_entry);
}

TEST(TableEdit, ReplaceChangesOnlyThatLine)
{
    auto r = ad::replace_entry(table2, table_kind::domain_to_or, "acme.example", "PRMD$Acme.ADMD$BT.C$GB");
    ASSERT_EQ(r.status, edit_status::done) << r.why;
    EXPECT_EQ(r.text, "# MCGAMs of the lab\nwidget.example#O$Widget.ADMD$BTT.C$TC#\n\n"
                      "acme.example#PRMD$Acme.ADMD$BT.C$GB#\n");
    EXPECT_EQ(r.previous.line, 4u);
    EXPECT_EQ(ad::entry_value_text(table_kind::domain_to_or, r.previous), "PRMD$Acme.ADMD$ .C$GB");
    EXPECT_EQ(ad::replace_entry(table2, table_kind::domain_to_or, "none.example", "O$A.ADMD$B.C$GB").status,
              edit_status::not_found);
}

TEST(TableEdit, RemoveDeletesTheLine)
{
    auto r = ad::remove_entry(table2, table_kind::domain_to_or, "Widget.Example");
    ASSERT_EQ(r.status, edit_status::done) << r.why;
    EXPECT_EQ(r.text, "# MCGAMs of the lab\n\nacme.example#PRMD$Acme.ADMD$ .C$GB#\n");
    EXPECT_EQ(r.entry.domain, "widget.example");
    EXPECT_EQ(ad::remove_entry(r.text, table_kind::domain_to_or, "widget.example").status, edit_status::not_found);
}

TEST(TableEdit, OrKeysCompareNormalised)
{
    constexpr std::string_view table1 = "PRMD$Acme.ADMD$ .C$GB#acme.example#\n";
    // Case and the blank ADMD compare as the index compares them.
    auto r = ad::replace_entry(table1, table_kind::or_to_domain, "prmd$ACME.admd$ .c$gb", "acme.example.org");
    ASSERT_EQ(r.status, edit_status::done) << r.why;
    EXPECT_EQ(r.text, "prmd$ACME.admd$ .c$gb#acme.example.org#\n");
    EXPECT_EQ(ad::add_entry(table1, table_kind::or_to_domain, "PRMD$acme.ADMD$ .C$gb", "x.example").status,
              edit_status::exists);
    EXPECT_EQ(ad::remove_entry(table1, table_kind::or_to_domain, "PRMD$Acme.ADMD$X.C$GB").status,
              edit_status::not_found);
    EXPECT_EQ(ad::remove_entry(table1, table_kind::or_to_domain, "not an O/R key").status, edit_status::bad_entry);
}

TEST(TableEdit, ABrokenTableIsSaidSo)
{
    auto r = ad::add_entry("broken line\n", table_kind::domain_to_or, "a.example", "O$A.ADMD$B.C$GB");
    EXPECT_EQ(r.status, edit_status::bad_table);
    EXPECT_EQ(r.why, "table:1: missing '#' between the two sides");
}

TEST(TableErrors, EveryBadLineIsNamed)
{
    std::vector<std::string> errors;
    auto t = ad::parse_table("a.example#O$A.ADMD$B.C$GB#\n"
                             "bad line\n"
                             "b.example#O$B.ADMD$B.C$GB#\n"
                             "a.example#O$C.ADMD$B.C$GB#\n"
                             "c.example#O$C.C$GB.ADMD$B#\n",
                             table_kind::domain_to_or, "import", &errors);
    ASSERT_FALSE(t);
    EXPECT_EQ(t.failure().why, "import:2: missing '#' between the two sides");
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0], "import:2: missing '#' between the two sides");
    EXPECT_EQ(errors[1], "import:4: duplicate key (first on line 1)");
    EXPECT_EQ(errors[2].rfind("import:5: ", 0), 0u) << errors[2];
}
