#include "runtime/launch/fault_injection.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <system_error>
#include <thread>

namespace dml::launch {
namespace {

bool ParseInt(const std::string& text, int64_t* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (*end != '\0' || parsed < 0) return false;
  *value = parsed;
  return true;
}

int Attempt() {
  const char* text = std::getenv(kRestartAttemptEnv);
  int64_t attempt = 0;
  return text != nullptr && ParseInt(text, &attempt) ? static_cast<int>(attempt) : 0;
}

// Writes without allocating: the process is about to stop itself.
void Say(const char* message) {
  (void)!write(STDERR_FILENO, message, std::char_traits<char>::length(message));
}

}  // namespace

FaultParse ParseFaultPlan(const std::string& text) {
  FaultParse result;
  if (text.empty()) return result;
  FaultPlan plan;
  std::istringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    size_t equals = item.find('=');
    std::string key = item.substr(0, equals);
    int64_t value = 0;
    if (equals == std::string::npos || !ParseInt(item.substr(equals + 1), &value)) {
      result.error = base::Error(fmt::format("{}: '{}' is not key=non-negative-integer", kFaultInjectEnv, item));
      return result;
    }
    if (key == "rank")
      plan.rank = static_cast<int>(value);
    else if (key == "attempt")
      plan.attempt = static_cast<int>(value);
    else if (key == "crash_at_step")
      plan.crash_at_step = value;
    else if (key == "hang_at_step")
      plan.hang_at_step = value;
    else if (key == "crash_in_checkpoint")
      plan.crash_in_checkpoint = static_cast<int>(value);
    else if (key == "step_delay_ms")
      plan.step_delay_ms = static_cast<int>(value);
    else if (key == "throw_on_thread_at_step")
      plan.throw_on_thread_at_step = value;
    else {
      result.error = base::Error(fmt::format(
          "{}: unknown key '{}' (known: rank, attempt, crash_at_step, hang_at_step, "
          "crash_in_checkpoint, "
          "step_delay_ms, throw_on_thread_at_step)",
          kFaultInjectEnv, key));
      return result;
    }
  }
  result.plan = plan;
  return result;
}

FaultHooks FaultHooksFromEnvironment(int global_rank) {
  FaultHooks hooks;
  const char* text = std::getenv(kFaultInjectEnv);
  FaultParse parsed = ParseFaultPlan(text != nullptr ? text : "");
  if (parsed.error) {
    hooks.error = parsed.error;
    return hooks;
  }
  if (!parsed.plan) return hooks;
  const FaultPlan plan = *parsed.plan;
  if ((plan.rank >= 0 && plan.rank != global_rank) || plan.attempt != Attempt()) return hooks;

  if (plan.crash_at_step > 0 || plan.hang_at_step > 0 || plan.step_delay_ms > 0 ||
      plan.throw_on_thread_at_step > 0) {
    hooks.after_step = [plan](int64_t steps) {
      if (plan.step_delay_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(plan.step_delay_ms));
      if (steps == plan.crash_at_step) {
        Say("dmlrun: fault injection: SIGKILL\n");
        kill(getpid(), SIGKILL);
      }
      if (steps == plan.hang_at_step) {
        Say("dmlrun: fault injection: SIGSTOP\n");
        kill(getpid(), SIGSTOP);
      }
      if (steps == plan.throw_on_thread_at_step) {
        Say("dmlrun: fault injection: an exception on a thread\n");
        std::thread([] { throw std::system_error(ECONNRESET, std::system_category()); }).join();
      }
    };
  }
  if (plan.crash_in_checkpoint > 0) {
    auto writes = std::make_shared<int>(0);
    hooks.checkpoint_half_written = [plan, writes] {
      if (++*writes != plan.crash_in_checkpoint) return;
      Say("dmlrun: fault injection: SIGKILL while writing a checkpoint\n");
      kill(getpid(), SIGKILL);
    };
  }
  return hooks;
}

}  // namespace dml::launch
