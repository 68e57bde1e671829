"""What the user sees: a line per event, then what `openstack stack show` shows.

Event lines carry the seconds since `create` started. With --json the event
lines go to stderr and stdout is one JSON object: stack_name, stack_status,
stack_status_reason, outputs (a list of {output_key, output_value}), and
localstack's own notes (events, not checked locally, log directory).
"""
import json
import sys
import threading
import time


class Report(object):
    def __init__(self, as_json):
        self.as_json = as_json
        self.start = time.monotonic()
        self.events = []  # (seconds, source, text)
        self.notes = []
        self.lock = threading.Lock()

    def elapsed(self):
        return time.monotonic() - self.start

    def event(self, source, text):
        with self.lock:
            t = self.elapsed()
            self.events.append((round(t, 1), source, text))
            stream = sys.stderr if self.as_json else sys.stdout
            stream.write('%7.1fs  %-20s %s\n' % (t, source, text))
            stream.flush()

    def note(self, text):
        self.notes.append(text)
        self.event('localstack', text)

    def first_event(self, source, prefix):
        for t, s, text in self.events:
            if s == source and text.startswith(prefix):
                return t
        return None

    def finish(self, name, status, reason, outputs, extra):
        result = {'stack_name': name, 'stack_status': status,
                  'stack_status_reason': reason, 'outputs': outputs}
        result.update(extra)
        if self.as_json:
            result['events'] = [{'seconds': t, 'source': s, 'text': x}
                                for t, s, x in self.events]
            result['notes'] = self.notes
            json.dump(result, sys.stdout, indent=2)
            sys.stdout.write('\n')
            return
        print()
        print('stack_name           %s' % name)
        print('stack_status         %s' % status)
        print('stack_status_reason  %s' % reason)
        print('outputs:')
        for o in outputs:
            value = o.get('output_value')
            if not isinstance(value, str):
                value = json.dumps(value)
            print('  %s: %s' % (o['output_key'], value))
            if 'output_error' in o:
                print('    error: %s' % o['output_error'])
        for key, value in extra.items():
            print('%-20s %s' % (key, value))
