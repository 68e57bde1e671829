#include "compiler/syntax/error_strategy.h"

#include <antlr4-runtime.h>

#include "compiler/syntax/error_messages.h"

namespace dml::syntax {
namespace {

// Every report* hook of DefaultErrorStrategy would format ANTLR's raw text
// ("mismatched input ... expecting ..."); each is routed to
// ReportSyntaxError, which words the message from the rule being parsed.
class DmlErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit DmlErrorStrategy(SyntaxReporter& reporter) : reporter_(reporter) {}

 public:
  // ANTLR throws when a loop cannot even start (`workers = 4` at the top
  // level), which abandons the enclosing rule and with it the rest of the
  // file. Skip to a token that can continue instead, as ANTLR already does
  // between loop iterations, so later mistakes are still found.
  void sync(antlr4::Parser* parser) override {
    try {
      DefaultErrorStrategy::sync(parser);
    } catch (const antlr4::InputMismatchException& e) {
      reportError(parser, e);
      consumeUntil(parser, parser->getExpectedTokens().Or(getErrorRecoverySet(parser)));
    }
  }

 protected:
  void reportNoViableAlternative(antlr4::Parser* parser, const antlr4::NoViableAltException& e) override {
    ReportSyntaxError(*parser, e.getOffendingToken(), reporter_);
  }

  void reportInputMismatch(antlr4::Parser* parser, const antlr4::InputMismatchException& e) override {
    ReportSyntaxError(*parser, e.getOffendingToken(), reporter_);
  }

  void reportFailedPredicate(antlr4::Parser* parser, const antlr4::FailedPredicateException& e) override {
    ReportSyntaxError(*parser, e.getOffendingToken(), reporter_);
  }

  void reportUnwantedToken(antlr4::Parser* parser) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    ReportSyntaxError(*parser, parser->getCurrentToken(), reporter_);
  }

  void reportMissingToken(antlr4::Parser* parser) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    ReportSyntaxError(*parser, parser->getCurrentToken(), reporter_);
  }

 private:
  SyntaxReporter& reporter_;
};

}  // namespace

std::shared_ptr<antlr4::ANTLRErrorStrategy> MakeErrorStrategy(SyntaxReporter& reporter) {
  return std::make_shared<DmlErrorStrategy>(reporter);
}

}  // namespace dml::syntax
