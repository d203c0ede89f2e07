//! Announcing the server's public address when it sits behind 1:1 NAT (a cloud VM): its host
//! candidates carry the private address it binds, so they are rewritten to the configured public
//! one, same port, in trickled candidates and in SDP alike. (webrtc-rs 0.21 keeps a
//! `nat_1to1_ips` setting but does not apply it.) Pure.

use std::net::IpAddr;

/// `candidate` (an ICE `candidate:` attribute) with its address replaced by `public` when it is
/// a host candidate; anything else unchanged.
pub fn announce_candidate(candidate: &str, public: Option<IpAddr>) -> String {
    let Some(public) = public else {
        return candidate.to_owned();
    };
    let mut fields: Vec<&str> = candidate.split(' ').collect();
    // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> ...
    let is_host = fields.get(6) == Some(&"typ") && fields.get(7) == Some(&"host");
    let public = public.to_string();
    if is_host && let Some(address) = fields.get_mut(4) {
        *address = &public;
    }
    fields.join(" ")
}

/// `sdp` with every `a=candidate:` line announced as [`announce_candidate`] does.
pub fn announce_sdp(sdp: &str, public: Option<IpAddr>) -> String {
    if public.is_none() {
        return sdp.to_owned();
    }
    sdp.split_inclusive('\n')
        .map(|line| match line.strip_prefix("a=") {
            Some(attribute) if attribute.starts_with("candidate:") => {
                let (body, ending) = split_line_ending(attribute);
                format!("a={}{ending}", announce_candidate(body, public))
            }
            _ => line.to_owned(),
        })
        .collect()
}

fn split_line_ending(line: &str) -> (&str, &str) {
    let body = line.trim_end_matches(['\r', '\n']);
    (body, &line[body.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "candidate:1 1 udp 2130706431 10.0.0.5 50000 typ host";

    #[test]
    fn host_candidates_carry_the_public_address() {
        let public = Some(IpAddr::from([203, 0, 113, 10]));
        assert_eq!(
            announce_candidate(HOST, public),
            "candidate:1 1 udp 2130706431 203.0.113.10 50000 typ host"
        );
        let relay =
            "candidate:2 1 udp 16777215 198.51.100.1 3478 typ relay raddr 10.0.0.5 rport 50000";
        assert_eq!(announce_candidate(relay, public), relay);
        assert_eq!(announce_candidate(HOST, None), HOST);
    }

    #[test]
    fn sdp_candidate_lines_are_rewritten_and_nothing_else() {
        let sdp = format!("v=0\r\nc=IN IP4 10.0.0.5\r\na={HOST}\r\na=mid:0\r\n");
        let announced = announce_sdp(&sdp, Some(IpAddr::from([203, 0, 113, 10])));
        assert_eq!(
            announced,
            "v=0\r\nc=IN IP4 10.0.0.5\r\na=candidate:1 1 udp 2130706431 203.0.113.10 50000 typ host\r\na=mid:0\r\n"
        );
    }
}
