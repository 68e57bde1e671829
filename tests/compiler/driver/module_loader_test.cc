#include "compiler/driver/module_loader.h"

#include <gtest/gtest.h>

#include "compiler/driver/embedded_stdlib.h"
#include "temp_dir.h"

namespace dml::driver {
namespace {

using testing::TempDir;

TEST(DriverModuleLoader, MapsDottedNamesToPaths) {
  EXPECT_EQ(FileModuleLoader::RelativePath("chameleon"), "chameleon.dml");
  EXPECT_EQ(FileModuleLoader::RelativePath("sites.tacc"), "sites/tacc.dml");
  EXPECT_EQ(FileModuleLoader::RelativePath("../etc"), "");
  EXPECT_EQ(FileModuleLoader::RelativePath("a..b"), "");
  EXPECT_EQ(FileModuleLoader::RelativePath("/abs"), "");
  EXPECT_EQ(FileModuleLoader::RelativePath(""), "");
}

TEST(DriverModuleLoader, StdlibIsEmbedded) {
  ASSERT_NE(FindEmbedded("chameleon.dml"), nullptr);
  EXPECT_NE(FindEmbedded("chameleon.dml")->text.find("let"), std::string::npos);
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  FileModuleLoader loader(sources, sink, {});
  const ast::Module* chameleon = loader.Load("chameleon");
  ASSERT_NE(chameleon, nullptr);
  EXPECT_EQ(chameleon->name, "chameleon");
  EXPECT_EQ(sources.Name(chameleon->file), "<stdlib>/chameleon.dml");
  EXPECT_FALSE(chameleon->decls.empty());
  EXPECT_FALSE(sink.HasErrors());
  EXPECT_EQ(loader.Load("chameleon"), chameleon);  // parsed once
  EXPECT_EQ(loader.Load("no_such_module"), nullptr);
}

TEST(DriverModuleLoader, IncludeDirsComeFirstInOrder) {
  TempDir first, second;
  first.Write("lab/site.dml", "let where = \"first\"\n");
  second.Write("lab/site.dml", "let where = \"second\"\n");
  second.Write("chameleon.dml", "let mine = 1\n");
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  FileModuleLoader loader(sources, sink, {first.Path(), second.Path()});
  const ast::Module* site = loader.Load("lab.site");
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(sources.Name(site->file), first.Path("lab/site.dml"));
  const ast::Module* chameleon = loader.Load("chameleon");
  ASSERT_NE(chameleon, nullptr);
  EXPECT_EQ(sources.Name(chameleon->file), second.Path("chameleon.dml"));  // shadows the stdlib
  EXPECT_EQ(chameleon->decls.size(), 1u);
}

TEST(DriverModuleLoader, SyntaxErrorsInAModuleAreReportedThere) {
  TempDir dir;
  dir.Write("broken.dml", "let a = 1\nlet b 2\nlet c = 3\n");
  diag::SourceManager sources;
  diag::DiagnosticSink sink;
  FileModuleLoader loader(sources, sink, {dir.Path()});
  const ast::Module* broken = loader.Load("broken");
  ASSERT_NE(broken, nullptr);
  // Recovery supplies the missing `=`, so all three declarations are kept
  // (sema then sees no undefined `b`: one mistake, one message).
  EXPECT_EQ(broken->decls.size(), 3u);
  ASSERT_EQ(sink.ErrorCount(), 1);
  EXPECT_EQ(sink.Sorted()[0].range.file, broken->file);
  EXPECT_EQ(sink.Sorted()[0].range.line, 2);
}

}  // namespace
}  // namespace dml::driver
