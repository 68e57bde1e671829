// The schema tables are data: check they are well formed, so a typo in a row
// fails here rather than as a confusing diagnostic; and the record types the
// blocks name are declared, well formed, by stdlib/prelude.dml.
#include "compiler/sema/schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "compiler/sema/conform.h"
#include "tests/compiler/sema/sema_test_util.h"

namespace dml::sema {
namespace {

TEST(SemaSchema, TablesAreWellFormed) {
  for (const Schema* schema : AllSchemas()) {
    std::set<std::string> names;
    for (const FieldSpec& field : schema->fields) {
      EXPECT_TRUE(names.insert(field.name).second) << schema->name << "." << field.name;
      EXPECT_FALSE(field.doc.empty()) << schema->name << "." << field.name << " has no doc";
      EXPECT_FALSE(field.required && field.default_value)
          << schema->name << "." << field.name << " is required and has a default";
      if (field.type.kind == TypeKind::kBlock) EXPECT_NE(field.type.block, nullptr);
      if (field.default_value && !field.choices.empty()) {
        EXPECT_NE(std::find(field.choices.begin(), field.choices.end(), field.default_value->text),
                  field.choices.end());
      }
    }
    for (const auto& group : schema->exactly_one_of) {
      for (const std::string& name : group) EXPECT_NE(schema->Find(name), nullptr) << name;
    }
  }
}

TEST(SemaSchema, ThePreludeDeclaresEveryTypeTheBlocksName) {
  auto t = testing::BuildTypes();
  EXPECT_FALSE(t->sink.HasErrors()) << t->sink.ErrorCount();
  for (const std::string& record : BlockRecordTypes()) {
    EXPECT_NE(t->types.Record(record), nullptr) << "the prelude has no type " << record;
  }
  for (const std::string& name : BlockEnumTypes()) {
    EXPECT_NE(t->types.Enum(name), nullptr) << "the prelude has no enum " << name;
  }
  // A default of an enum field is one of its members.
  for (const Schema* schema : AllSchemas()) {
    for (const FieldSpec& field : schema->fields) {
      if (field.type.kind != TypeKind::kEnum || !field.default_value) continue;
      const EnumType* type = t->types.Enum(field.type.enum_name);
      ASSERT_NE(type, nullptr);
      EXPECT_TRUE(type->Has(field.default_value->text)) << schema->name << "." << field.name;
    }
  }
}

TEST(SemaSchema, DefaultsPassTheirOwnLimits) {
  auto t = testing::BuildTypes();
  std::vector<const Schema*> all = AllSchemas();
  for (const std::string& name : t->types.RecordNames()) all.push_back(t->types.Record(name));
  for (const Schema* schema : all) {
    for (const FieldSpec& field : schema->fields) {
      if (!field.default_value) continue;
      Value copy = *field.default_value;
      EXPECT_TRUE(t->conformer->ConformField(copy, field)) << schema->name << "." << field.name;
    }
  }
  EXPECT_FALSE(t->sink.HasErrors());
}

TEST(SemaSchema, ConformRejectsWrongTypesAndLimits) {
  auto t = testing::BuildTypes();
  const Schema* adam = t->types.Record("adam");
  ASSERT_NE(adam, nullptr);
  const FieldSpec* lr_spec = adam->Find("lr");
  ASSERT_NE(lr_spec, nullptr);
  Value zero = IntValue(0);
  EXPECT_FALSE(t->conformer->ConformField(zero, *lr_spec));  // lr > 0
  Value one = IntValue(1);
  EXPECT_TRUE(t->conformer->ConformField(one, *lr_spec));
  EXPECT_EQ(one.kind, ValueKind::kFloat);  // widened
  Value text = StringValue("fast");
  EXPECT_FALSE(t->conformer->ConformField(text, *lr_spec));
  std::vector<diag::Diagnostic> all = t->sink.Sorted();
  ASSERT_EQ(all.size(), 2u);
  int out_of_range = 0;
  int mismatch = 0;
  for (const diag::Diagnostic& d : all) {
    if (d.kind == diag::Kind::value_out_of_range) {
      ++out_of_range;
      EXPECT_EQ(d.message, "`lr` must be greater than 0, found 0");
    }
    if (d.kind == diag::Kind::type_mismatch) {
      ++mismatch;
      EXPECT_EQ(d.message, "expected float for `lr`, found string");
    }
  }
  EXPECT_EQ(out_of_range, 1);
  EXPECT_EQ(mismatch, 1);
}

TEST(SemaSchema, TypesDeclaredInDmlBecomeSchemas) {
  auto t = testing::BuildTypes(
      "enum mode { fast, safe }\n"
      "type box {\n"
      "  name: string\n"
      "  cores: int = 2 in 1..64\n"
      "  mem: size = 1GiB in 512MiB..\n"
      "  note: string?\n"
      "  modes: [mode] = [safe]\n"
      "  ratio: float = 0.5 in 0<..<1\n"
      "}\n");
  ASSERT_FALSE(t->sink.HasErrors()) << t->sink.ErrorCount();
  const Schema* box = t->types.Record("box");
  ASSERT_NE(box, nullptr);
  ASSERT_EQ(box->fields.size(), 6u);
  EXPECT_TRUE(box->Find("name")->required);
  const FieldSpec* cores = box->Find("cores");
  EXPECT_FALSE(cores->required);
  ASSERT_TRUE(cores->default_value);
  EXPECT_EQ(cores->default_value->int_value, 2);
  ASSERT_TRUE(cores->min && cores->max);
  EXPECT_EQ(cores->min->value, 1);
  EXPECT_EQ(cores->max->value, 64);
  const FieldSpec* mem = box->Find("mem");
  EXPECT_EQ(mem->type.kind, TypeKind::kSize);
  EXPECT_EQ(mem->default_value->int_value, int64_t{1} << 30);
  EXPECT_EQ(mem->min->value, double(int64_t{512} << 20));
  EXPECT_FALSE(mem->max);
  const FieldSpec* note = box->Find("note");
  EXPECT_FALSE(note->required);
  EXPECT_FALSE(note->default_value);
  EXPECT_EQ(box->Find("modes")->type.Describe(), "list of `mode`");
  const FieldSpec* ratio = box->Find("ratio");
  EXPECT_TRUE(ratio->min->exclusive);
  EXPECT_TRUE(ratio->max->exclusive);
}

TEST(SemaSchema, BadTypeDeclarationsAreReported) {
  auto t = testing::BuildTypes(
      "type box {\n"
      "  cores: int = 0 in 1..64\n"      // the default breaks its own range
      "  mem: sise\n"                    // no such type
      "  cores: int\n"                   // declared twice
      "  when: duration = 5 \n"          // a duration needs a unit
      "}\n"
      "type flavor { name: string }\n"   // the prelude's
      "enum mode { a, b, a }\n");
  std::vector<diag::Diagnostic> all = t->sink.Sorted();
  std::vector<std::string> messages;
  for (const auto& d : all) messages.push_back(d.message);
  ASSERT_EQ(all.size(), 6u) << ::testing::PrintToString(messages);
  EXPECT_EQ(all[0].kind, diag::Kind::value_out_of_range);
  EXPECT_EQ(all[0].message, "`cores` must be at least 1, found 0");
  EXPECT_EQ(all[1].kind, diag::Kind::undefined_name);
  EXPECT_EQ(all[1].help, std::vector<std::string>{"did you mean `size`?"});
  EXPECT_EQ(all[2].kind, diag::Kind::duplicate_field);
  EXPECT_EQ(all[3].kind, diag::Kind::type_mismatch);
  EXPECT_EQ(all[4].kind, diag::Kind::duplicate_name);
  EXPECT_EQ(all[5].kind, diag::Kind::duplicate_name);
}

// docs/language.md documents every block and field, in a table row each.
TEST(SemaSchema, EveryFieldIsInTheLanguageReference) {
  std::string doc = testing::ReadFile(std::string(DML_SOURCE_DIR) + "/docs/language.md");
  ASSERT_FALSE(doc.empty());
  for (const Schema* schema : AllSchemas()) {
    size_t section = doc.find("#### `" + schema->name + "`");
    ASSERT_NE(section, std::string::npos) << "no section for " << schema->name;
    size_t end = doc.find("####", section + 1);
    std::string text = doc.substr(section, end == std::string::npos ? std::string::npos : end - section);
    for (const FieldSpec& field : schema->fields) {
      EXPECT_NE(text.find("| `" + field.name + "` |"), std::string::npos)
          << schema->name << "." << field.name << " is not documented";
    }
  }
}

// The record types are documented by quoting the prelude: each declaration
// line of stdlib/prelude.dml is in docs/language.md, as it is in the file.
TEST(SemaSchema, ThePreludeIsQuotedInTheLanguageReference) {
  std::string doc = testing::ReadFile(std::string(DML_SOURCE_DIR) + "/docs/language.md");
  std::string prelude = testing::ReadFile(std::string(DML_SOURCE_DIR) + "/stdlib/prelude.dml");
  std::istringstream lines(prelude);
  int declarations = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("type ", 0) != 0 && line.rfind("enum ", 0) != 0 && line.rfind("  ", 0) != 0) continue;
    if (line.rfind("type ", 0) == 0 || line.rfind("enum ", 0) == 0) ++declarations;
    EXPECT_NE(doc.find(line + "\n"), std::string::npos) << "docs/language.md does not quote: " << line;
  }
  EXPECT_GE(declarations, 10);
}

}  // namespace
}  // namespace dml::sema
