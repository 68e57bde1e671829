#include "tests/compiler/sema/sema_test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "compiler/syntax/parser.h"

namespace dml::sema::testing {

const ast::Module* MapLoader::Load(const std::string& name) {
  auto done = loaded_.find(name);
  if (done != loaded_.end()) return done->second.get();
  auto text = texts_.find(name);
  if (text == texts_.end()) return nullptr;
  auto module = std::make_unique<ast::Module>(
      syntax::ParseText("<stdlib>/" + name + ".dml", text->second, sources_, sink_));
  module->name = name;
  return (loaded_[name] = std::move(module)).get();
}

int Compiled::Count(diag::Kind kind) const {
  int n = 0;
  for (const diag::Diagnostic& d : diagnostics) n += d.kind == kind ? 1 : 0;
  return n;
}

const diag::Diagnostic* Compiled::First(diag::Kind kind) const {
  for (const diag::Diagnostic& d : diagnostics) {
    if (d.kind == kind) return &d;
  }
  return nullptr;
}

std::string Compiled::Rendered() const {
  std::string text;
  for (const diag::Diagnostic& d : diagnostics) text += diag::Render(d, sources) + "\n";
  return text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  EXPECT_TRUE(in.good() || in.eof()) << "cannot read " << path;
  return out.str();
}

std::map<std::string, std::string> Stdlib() {
  return {{"chameleon", ReadFile(std::string(DML_SOURCE_DIR) + "/stdlib/chameleon.dml")},
          {"datasets", ReadFile(std::string(DML_SOURCE_DIR) + "/stdlib/datasets.dml")},
          {"prelude", ReadFile(std::string(DML_SOURCE_DIR) + "/stdlib/prelude.dml")}};
}

std::unique_ptr<Types> BuildTypes(const std::string& text) {
  auto t = std::make_unique<Types>();
  t->root = std::make_unique<ast::Module>(syntax::ParseText("types.dml", text, t->sources, t->sink));
  t->loader = std::make_unique<MapLoader>(t->sources, t->sink, Stdlib());
  t->program = std::make_unique<Program>(*t->root, *t->loader, t->sink);
  t->conformer = std::make_unique<Conformer>(t->sink, t->types);
  t->evaluator = std::make_unique<Evaluator>(t->sink, *t->conformer, t->types);
  DeclareTypes(*t->program, *t->evaluator, *t->conformer, t->types, t->sink);
  return t;
}

std::unique_ptr<Compiled> Compile(const std::string& text, std::map<std::string, std::string> modules) {
  // Every program loads the prelude, as dmlc's embedded stdlib provides it.
  modules.emplace("prelude", ReadFile(std::string(DML_SOURCE_DIR) + "/stdlib/prelude.dml"));
  auto compiled = std::make_unique<Compiled>();
  ast::Module root = syntax::ParseText("test.dml", text, compiled->sources, compiled->sink);
  MapLoader loader(compiled->sources, compiled->sink, std::move(modules));
  compiled->checked = Analyze(root, loader, compiled->sink);
  if (!compiled->sink.HasErrors()) compiled->result = lower::LowerProgram(compiled->checked, compiled->sink);
  compiled->diagnostics = compiled->sink.Sorted();
  return compiled;
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "`" << from << "` is not in the text";
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

const char* const kValidTrain = R"(import chameleon
import datasets

param key_name: string
param workers: int = 1

cluster paper {
  site = chameleon.kvm_tacc
  key_pair = key_name
  network {
    cidr = 10.8.1.0/24
    master_ip = 10.8.1.250
  }
  master {
    flavor = chameleon.m1_medium
    image = chameleon.debian12
    procs = 1
  }
  workers {
    count = workers
    flavor = chameleon.m1_medium
    image = chameleon.debian12
    procs = 1
  }
}

job mnist on paper {
  train {
    dataset = datasets.fashion_mnist
    model = mlp { layers = [784, 100, 10], activation = "relu" }
    loss = "cross_entropy"
    optimizer = adam { lr = 1e-3 }
    batch = 64
    epochs = 10
    seed = 42
  }
  timeouts {
    rendezvous = 10m
    job = 2h
  }
}
)";

const char* const kValidRun = R"(import chameleon

param key_name: string
param workers: int = 16

cluster lab {
  site = chameleon.kvm_tacc
  key_pair = key_name
  network {
    cidr = 10.8.1.0/24
  }
  master {
    flavor = chameleon.m1_medium
    image = chameleon.debian12
  }
  workers {
    count = workers
    flavor = chameleon.m1_medium
    image = chameleon.debian12
  }
}

job lightning on lab {
  run {
    repo = "https://github.com/example-lab/mnist-lightning.git"
    ref = "main"
    requirements = "."
    entrypoint = "train.py"
    args = ["--epochs", "10"]
  }
}
)";

}  // namespace dml::sema::testing
