#!/usr/bin/python3
"""A camera stand-in for the pull tests: GStreamer's RTSP server (gst-rtsp-server, through
Python GI) serving a live test pattern as H.264 with AAC (or G.711 A-law) audio at
rtsp://ADDRESS:PORT/PATH (127.0.0.1 unless --address), with optional Basic or Digest authentication and a choice of lower
transports, as IP cameras offer them. Prints "ready PORT" once it listens; runs until killed."""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

AUDIO = {
    "aac": "audiotestsrc is-live=true wave=sine freq=440 ! audio/x-raw,rate=44100,channels=1 "
           "! voaacenc bitrate=64000 ! rtpmp4gpay name=pay1 pt=97",
    "pcma": "audiotestsrc is-live=true wave=sine freq=440 ! audio/x-raw,rate=8000,channels=1 "
            "! alawenc ! rtppcmapay name=pay1 pt=8",
    "none": "",
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--path", default="/cam")
    p.add_argument("--auth", choices=["none", "basic", "digest"], default="none")
    p.add_argument("--user", default="admin")
    p.add_argument("--password", default="secret")
    p.add_argument("--protocols", choices=["tcp", "udp", "both"], default="both")
    p.add_argument("--audio", choices=sorted(AUDIO), default="aac")
    p.add_argument("--gop", type=int, default=25, help="frames between keyframes (25 fps)")
    args = p.parse_args()

    Gst.init(None)
    video = ("videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 "
             f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.gop} bitrate=400 "
             "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1")
    launch = f"( {video} {AUDIO[args.audio]} )"

    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(True)
    protocols = {"tcp": GstRtsp.RTSPLowerTrans.TCP, "udp": GstRtsp.RTSPLowerTrans.UDP,
                 "both": GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP}
    factory.set_protocols(protocols[args.protocols])

    if args.auth != "none":
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        if args.auth == "basic":
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        else:
            auth.add_digest(args.user, args.password, token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("user", "media.factory.access", True)
        permissions.add_permission_for_role("user", "media.factory.construct", True)
        factory.set_permissions(permissions)

    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print("cannot listen", file=sys.stderr)
        return 1
    print(f"ready {server.get_bound_port()}", flush=True)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
