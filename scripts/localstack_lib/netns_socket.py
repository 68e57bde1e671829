"""A listening socket inside one of the tool's network namespaces.

setns(2) on a network namespace changes only the calling thread, and a
socket stays in the namespace it was made in; so a short-lived thread enters
the namespace, makes and binds the socket, and ends. The servers then run in
the tool's own threads, but their sockets live on the private network.
"""
import ctypes
import os
import socket
import threading

CLONE_NEWNET = 0x40000000


def listening_socket(ns, addr, port, backlog=64):
    result = {}

    def make():
        libc = ctypes.CDLL('libc.so.6', use_errno=True)
        fd = os.open('/run/netns/' + ns, os.O_RDONLY)
        try:
            if libc.setns(fd, CLONE_NEWNET) != 0:
                err = ctypes.get_errno()
                raise OSError(err, 'setns %s: %s' % (ns, os.strerror(err)))
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((addr, port))
            sock.listen(backlog)
            result['sock'] = sock
        except Exception as ex:
            result['error'] = ex
        finally:
            os.close(fd)

    t = threading.Thread(target=make)  # ends here: the namespace goes with it
    t.start()
    t.join()
    if 'error' in result:
        raise result['error']
    return result['sock']
