use futures::StreamExt;
use nodecast_client::events::{NodeEvents, ServerMessage};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base_url = std::env::var("LIVE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let client = nodecast_client::Client::new(&base_url);
    let page = client.list_nodes().cluster_name("demo").limit(5).send().await?;
    println!("{} nodes in demo, seq {}", page.total, page.seq);

    // Start right after the list: nothing in between is missed.
    let events = NodeEvents::new(&base_url).resume("demo", page.seq, page.epoch.clone());
    let mut events = Box::pin(events.stream());
    let mut seen = 0;
    while let Some(item) = events.next().await {
        match item {
            Ok(ServerMessage::NodeUpdate(event)) => {
                println!("{} changed: {:?} (seq {})", event.node_name, event.changes, event.seq);
                seen += 1;
                if seen == 3 {
                    break;
                }
            }
            Ok(_) => {}
            // A disconnect is a notice: the stream reconnects and resumes.
            Err(notice) => eprintln!("{notice}"),
        }
    }
    Ok(())
}
